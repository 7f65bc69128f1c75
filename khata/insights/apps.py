from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "khata.insights"
    label = "insights"
    verbose_name = "Insights"
