"""Celery task: deliver one notification's e-mail, exactly once (ADR 0006).

Retries: `PORTAL_TASK_MAX_RETRIES` is the one limit, read when a task fails (Celery's own
default of 3 never applies): after the first try and that many retries the row is recorded as
failed, for the admin's filter and its "send again" action. A database failure around a send
is not a failed delivery: the retry carries what the attempt knew (handed off or not) and
goes on until the database answers.
"""

import datetime

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
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
def send_notification_email(self, notification_id: int, handed_off: bool | None = None) -> str:
    try:
        return services.deliver_email(notification_id, handed_off=handed_off)
    except services.SendingElsewhere as busy:  # a recent claim: its sender may yet report
        raise self.retry(countdown=max(1, round(busy.seconds)), max_retries=None) from busy
    except services.EmailNotRecorded as exc:
        raise _carry(self, notification_id, exc.handed_off, exc) from exc
    except Exception as exc:  # noqa: BLE001 - every failure is counted, then retried or recorded
        try:
            return retry_or_fail(
                self, exc, lambda error, **kw: services.record_email_failure(notification_id, error, **kw)
            )
        except DatabaseError as db_error:  # the failure could not be recorded: it was not handed off
            raise _carry(self, notification_id, False, db_error) from exc


def _carry(task, notification_id: int, handed_off: bool | None, exc: Exception):
    """Retry with what this attempt knows but could not record (the database failed): the
    retry records a handed-off message as sent without sending it again. Retried until the
    database answers, at the first backoff step, so the answer lands soon after it is back."""
    return task.retry(
        exc=exc,
        args=(notification_id,),
        kwargs={"handed_off": handed_off},
        countdown=backoff(0),
        max_retries=None,
    )
