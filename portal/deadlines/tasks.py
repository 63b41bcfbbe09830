"""Celery tasks of the deadline engine (ADR 0006).

`sweep` runs every five minutes from django-celery-beat's database schedule (created by
migration deadlines.0003; administrators can change it in the admin). `send_reminder`
handles one claimed milestone; it is idempotent, acknowledged late, requeued when its worker
is lost, and retried with exponential backoff; after the last retry the reminder is failed,
with its error, for administrators to see.
"""

from celery import shared_task
from django.conf import settings

from portal.deadlines import actions
from portal.deadlines import sweep as sweeper
from portal.notifications.tasks import backoff


@shared_task(name="portal.deadlines.sweep", ignore_result=True)
def sweep() -> dict:
    return sweeper.sweep().summary()


@shared_task(
    bind=True,
    name="portal.deadlines.send_reminder",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_reminder(self, reminder_id: int) -> str:
    try:
        return actions.process_reminder(reminder_id)
    except Exception as exc:  # noqa: BLE001 - every failure is counted, then retried or recorded
        final = self.request.retries >= settings.PORTAL_TASK_MAX_RETRIES
        actions.record_failure(reminder_id, exc, final=final)
        if final:
            return "failed"
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
