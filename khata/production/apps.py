from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "khata.production"
    label = "production"
    verbose_name = "Production"
