from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "khata.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from khata.insights.boards import register_boards
        from khata.insights.scheduling import register_periodic_jobs
        from khata.insights.selectors import register_cards

        register_cards()
        register_boards()
        register_periodic_jobs()
