from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "khata.production"
    label = "production"
    verbose_name = "Production"

    def ready(self) -> None:
        from khata.production.boards import register_cards

        register_cards()
        from khata.production.brief_boards import register_brief_boards

        register_brief_boards()

        from khata.production.reports import register_panels

        register_panels()
        from khata.production import status_signals

        status_signals.register()
