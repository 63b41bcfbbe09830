from django.db import migrations

from licensing.reference_data import ensure_default_activities


def add(apps, schema_editor):
    ensure_default_activities(apps.get_model("licensing", "Activity"))


class Migration(migrations.Migration):
    dependencies = [("licensing", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
