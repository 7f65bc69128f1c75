from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "khata.care"
    label = "care"
    verbose_name = "Care"

    def ready(self) -> None:
        from khata.care.scheduling import register_periodic_jobs

        register_periodic_jobs()
