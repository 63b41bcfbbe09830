"""A reminder belongs to (deadline, milestone, due date): when a due date moves, the milestones
of the new date are claimed afresh. Existing rows get the due date they were computed for,
read back from when they were scheduled (`d-N` at the reminder hour N days before it, `overdue`
at the local midnight that ends it)."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models


def computed_for(milestone: str, scheduled_for: datetime.datetime) -> datetime.date:
    local = scheduled_for.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    if milestone == "overdue":
        return local - datetime.timedelta(days=1)
    try:
        return local + datetime.timedelta(days=int(milestone.removeprefix("d-")))
    except ValueError:  # not a milestone the engine names: the date it was scheduled on
        return local


def fill_due_on(apps, schema_editor):
    Reminder = apps.get_model("deadlines", "Reminder")
    batch = []
    for reminder in Reminder.objects.only("pk", "milestone", "scheduled_for").iterator(chunk_size=2000):
        reminder.due_on = computed_for(reminder.milestone, reminder.scheduled_for)
        batch.append(reminder)
        if len(batch) >= 2000:
            Reminder.objects.bulk_update(batch, ["due_on"])
            batch = []
    Reminder.objects.bulk_update(batch, ["due_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0003_beat_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="due_on",
            field=models.DateField(
                null=True,
                help_text="The due date this milestone was computed for.",
                verbose_name="for the due date",
            ),
        ),
        migrations.RunPython(fill_due_on, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="reminder",
            name="due_on",
            field=models.DateField(
                help_text="The due date this milestone was computed for.",
                verbose_name="for the due date",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="reminder",
            name="reminder_once_per_milestone",
        ),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.UniqueConstraint(
                fields=("deadline", "milestone", "due_on"), name="reminder_once_per_milestone_and_due_date"
            ),
        ),
    ]
