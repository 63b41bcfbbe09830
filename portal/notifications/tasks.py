"""Celery task: deliver one notification's e-mail, exactly once (ADR 0006)."""

from celery import shared_task
from django.conf import settings

from portal.notifications import services


def backoff(retries: int) -> int:
    """Seconds before the next try: base, 2 x base, 4 x base, ... capped at an hour."""
    return min(3600, settings.PORTAL_TASK_RETRY_BACKOFF_SECONDS * 2**retries)


@shared_task(
    bind=True,
    name="portal.notifications.send_email",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_notification_email(self, notification_id: int) -> str:
    try:
        return services.deliver_email(notification_id)
    except Exception as exc:  # noqa: BLE001 - every failure is counted, then retried or recorded
        final = self.request.retries >= settings.PORTAL_TASK_MAX_RETRIES
        services.record_email_failure(notification_id, exc, final=final)
        if final:
            return "failed"
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
