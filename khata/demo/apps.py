from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo agency: a believable data set for trying Khata (top layer, no models)."""

    name = "khata.demo"
    label = "demo"
    verbose_name = "Demo agency"
