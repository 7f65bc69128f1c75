from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "khata.core"
    label = "core"
    verbose_name = "Core"
