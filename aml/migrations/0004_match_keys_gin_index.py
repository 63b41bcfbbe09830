"""PostgreSQL only: a GIN index on list entries' blocking keys, so screening one person
finds candidates (`match_keys ?| keys`) without reading the whole list. SQLite has no GIN;
there the screening code filters in Python."""

from django.db import migrations

INDEX = "aml_listentry_match_keys_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON aml_listentry USING GIN (match_keys)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("aml", "0003_alerts_outlive_their_subject")]

    operations = [migrations.RunPython(create, drop)]
