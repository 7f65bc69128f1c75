from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "khata.documents"
    label = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        from khata.documents.boards import register_boards

        register_boards()

        from khata.documents.scheduling import register_periodic_jobs

        register_periodic_jobs()
