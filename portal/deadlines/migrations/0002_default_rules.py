"""Seed the deadline rules with DOMAIN.md's defaults (portal/deadlines/defaults.py)."""

from django.db import migrations

from portal.deadlines.defaults import ensure_rules


def create_rules(apps, schema_editor):
    ensure_rules(apps.get_model("deadlines", "DeadlineRule"))


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
