from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "khata.care"
    label = "care"
    verbose_name = "Care"
