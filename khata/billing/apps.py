from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "khata.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from khata.billing.boards import register_boards
        from khata.billing.panels import register_panels
        from khata.billing.scheduling import register_periodic_jobs

        register_boards()
        register_panels()
        register_periodic_jobs()
