from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "khata.plans"
    label = "plans"
    verbose_name = "Plans"
