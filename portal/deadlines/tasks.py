"""Celery tasks of the deadline engine (ADR 0006).

`sweep` runs every five minutes from django-celery-beat's database schedule (created by
migration deadlines.0003; administrators can change it in the admin). `send_reminder`
handles one claimed milestone; it is idempotent, acknowledged late, requeued when its worker
is lost, and retried with exponential backoff (PORTAL_TASK_MAX_RETRIES times, read when it
fails); after the last retry the reminder is failed, with its error, for administrators to see.
"""

from celery import shared_task

from portal.deadlines import actions
from portal.deadlines import sweep as sweeper
from portal.notifications.tasks import retry_or_fail


@shared_task(name="portal.deadlines.sweep", ignore_result=True)
def sweep() -> dict:
    return sweeper.sweep().summary()


@shared_task(
    bind=True,
    name="portal.deadlines.send_reminder",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,  # the limit is PORTAL_TASK_MAX_RETRIES, given to each retry (retry_or_fail)
)
def send_reminder(self, reminder_id: int) -> str:
    try:
        return actions.process_reminder(reminder_id)
    except Exception as exc:  # noqa: BLE001 - every failure is counted, then retried or recorded
        return retry_or_fail(self, exc, lambda error, **kw: actions.record_failure(reminder_id, error, **kw))
