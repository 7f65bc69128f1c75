from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "khata.documents"
    label = "documents"
    verbose_name = "Documents"
