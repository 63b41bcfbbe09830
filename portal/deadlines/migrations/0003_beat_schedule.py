"""The sweep's schedule, kept in the database (django-celery-beat's DatabaseScheduler):
every five minutes. Administrators can change or pause it in the admin."""

from django.db import migrations

NAME = "Sweep deadlines: reminders, escalations and lapses"
TASK = "portal.deadlines.sweep"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every, _created = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every,
            "enabled": True,
            # A sweep nobody ran within four minutes is dropped: the next one covers it.
            "expire_seconds": 240,
            "description": "Finds due deadlines and claims each reminder once (ADR 0006).",
        },
    )
    # Tell running beat processes that the schedule changed.
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0002_default_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
