"""The daily audit anchor's schedule, kept in the database (django-celery-beat): every day at
00:30 in the regulator's time zone. Administrators can change or pause it in the admin."""

from django.db import migrations

NAME = "Anchor the audit chain: sign its head outside the database"
TASK = "portal.audit.anchor"


def create_schedule(apps, schema_editor):
    from django.conf import settings
    from django.utils import timezone

    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    daily, _created = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="0",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": daily,
            "interval": None,
            "enabled": True,
            "description": "Signs the audit chain's head and row count and writes them to the anchor "
            "storage, so that deleting the newest rows is detected (ADR 0008).",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_trigger"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
