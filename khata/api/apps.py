from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "khata.api"
    label = "api"
    verbose_name = "API"
