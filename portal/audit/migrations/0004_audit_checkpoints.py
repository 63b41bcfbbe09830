"""Signed audit checkpoints (ADR 0008): their table, append-only like the trail; no TRUNCATE of
either on PostgreSQL; the daily anchor replaced by a checkpoint every five minutes (beat)."""

from django.db import migrations, models

from portal.audit import triggers

OLD_NAME = "Anchor the audit chain: sign its head outside the database"
NAME = "Checkpoint the audit chain: sign its head and publish it"
TASK = "portal.audit.checkpoint"


def create_schedule(apps, schema_editor):
    from django.utils import timezone

    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name=OLD_NAME).delete()
    every, _created = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every,
            "crontab": None,
            "enabled": True,
            "description": "Signs the audit chain's row count and head with the checkpoint key and "
            "publishes it (/transparency/audit-checkpoints, the checkpoint storage, the log), so that "
            "rewriting, deleting or appending rows is detected (ADR 0008).",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_anchor_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "number",
                    models.PositiveBigIntegerField(
                        editable=False, unique=True, verbose_name="checkpoint number"
                    ),
                ),
                ("created_at", models.DateTimeField(editable=False, verbose_name="time (UTC)")),
                ("rows", models.PositiveBigIntegerField(editable=False, verbose_name="rows")),
                (
                    "last_seq",
                    models.PositiveBigIntegerField(editable=False, verbose_name="last row's sequence"),
                ),
                ("last_id", models.PositiveBigIntegerField(editable=False, verbose_name="last row's id")),
                ("head_hash", models.CharField(editable=False, max_length=64, verbose_name="head hash")),
                ("document", models.JSONField(editable=False, verbose_name="signed document")),
            ],
            options={
                "verbose_name": "audit checkpoint",
                "verbose_name_plural": "audit checkpoints",
                "ordering": ["number"],
            },
        ),
        migrations.RunPython(triggers.install_checkpoint_triggers, triggers.remove_checkpoint_triggers),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
