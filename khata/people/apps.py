from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "khata.people"
    label = "people"
    verbose_name = "People"
