"""Celery task: deliver one notification's e-mail, exactly once (ADR 0006).

Retries: `PORTAL_TASK_MAX_RETRIES` is the one limit, read when a task fails (Celery's own
default of 3 never applies): after the first try and that many retries the row is recorded as
failed, for the admin's filter and its "send again" action.
"""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from portal.notifications import services


def backoff(retries: int) -> int:
    """Seconds before the next try: base, 2 x base, 4 x base, ... capped at an hour."""
    return min(3600, settings.PORTAL_TASK_RETRY_BACKOFF_SECONDS * 2**retries)


def retry_or_fail(task, exc: Exception, record) -> str:
    """After a failed attempt: `record(exc, final=..., retry_at=...)` counts it on the row,
    then the task is retried with backoff, or, after the last retry, left failed.

    `retry_at` (when the retry will run) lets the row's "last queued" time follow the retry,
    so the sweep does not queue a second copy while the retry waits out its backoff."""
    limit = settings.PORTAL_TASK_MAX_RETRIES
    final = task.request.retries >= limit
    countdown = backoff(task.request.retries)
    record(
        exc, final=final, retry_at=None if final else timezone.now() + datetime.timedelta(seconds=countdown)
    )
    if final:
        return "failed"
    raise task.retry(exc=exc, countdown=countdown, max_retries=limit)


@shared_task(
    bind=True,
    name="portal.notifications.send_email",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,  # the limit is PORTAL_TASK_MAX_RETRIES, given to each retry (retry_or_fail)
)
def send_notification_email(self, notification_id: int) -> str:
    try:
        return services.deliver_email(notification_id)
    except Exception as exc:  # noqa: BLE001 - every failure is counted, then retried or recorded
        return retry_or_fail(
            self, exc, lambda error, **kw: services.record_email_failure(notification_id, error, **kw)
        )
