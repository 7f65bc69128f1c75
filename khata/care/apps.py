from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "khata.care"
    label = "care"
    verbose_name = "Care"

    def ready(self) -> None:
        from khata.care.boards import register_boards
        from khata.care.scheduling import register_periodic_jobs
        from khata.care.survey_scheduling import register_survey_jobs

        register_boards()
        register_periodic_jobs()
        register_survey_jobs()
