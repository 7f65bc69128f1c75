from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "khata.plans"
    label = "plans"
    verbose_name = "Plans"

    def ready(self) -> None:
        from khata.plans.boards import register_boards
        from khata.plans.status import register_plan_signals

        register_boards()
        register_plan_signals()
