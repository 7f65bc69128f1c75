from django.db import migrations

from khata.care.models import DEFAULT_REASONS, DEFAULT_ROOT_CAUSES, DEFAULT_SLA


def create_defaults(apps, schema_editor):
    ReasonCode = apps.get_model("care", "ReasonCode")
    RootCause = apps.get_model("care", "RootCause")
    SlaPolicy = apps.get_model("care", "SlaPolicy")
    for position, (code, name) in enumerate(DEFAULT_REASONS):
        ReasonCode.objects.get_or_create(code=code, defaults={"name": name, "position": position})
    for position, (code, name) in enumerate(DEFAULT_ROOT_CAUSES):
        RootCause.objects.get_or_create(code=code, defaults={"name": name, "position": position})
    for severity, first_response, resolution in DEFAULT_SLA:
        SlaPolicy.objects.get_or_create(
            severity=severity,
            defaults={"first_response_hours": first_response, "resolution_hours": resolution},
        )


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
