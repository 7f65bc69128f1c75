from django.db import migrations

from khata.documents.models import DEFAULT_KINDS


def create_defaults(apps, schema_editor):
    DocumentKind = apps.get_model("documents", "DocumentKind")
    for position, (code, name, behaviour, series, number_format, answers) in enumerate(DEFAULT_KINDS):
        DocumentKind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "behaviour": behaviour,
                "series": series,
                "number_format": number_format,
                "needs_client_answer": answers,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
