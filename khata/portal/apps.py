from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "khata.portal"
    label = "portal"
    verbose_name = "Client portal"
