"""The agency's default payment reminders: 3 days before the due date, on it, and 7, 14 and 30 days after."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

DEFAULT_DAYS = (-3, 0, 7, 14, 30)


def add_levels(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ReminderLevel = apps.get_model("billing", "ReminderLevel")
    for days in DEFAULT_DAYS:
        ReminderLevel.objects.get_or_create(days=days)


def remove_levels(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ReminderLevel = apps.get_model("billing", "ReminderLevel")
    ReminderLevel.objects.filter(days__in=DEFAULT_DAYS, name="").delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_reminders_promises")]

    operations = [migrations.RunPython(add_levels, remove_levels)]
