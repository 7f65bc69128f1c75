from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "khata.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from khata.insights.selectors import register_cards

        register_cards()
