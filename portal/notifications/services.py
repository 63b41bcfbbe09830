"""Telling people things: the in-app inbox row now, the e-mail after commit.

`notify()` is the one way to send anyone anything. It writes the inbox row inside the
caller's transaction and, unless the person chose in-app only for non-statutory messages,
marks the e-mail pending and queues its delivery when the transaction commits. Delivery
(`deliver_email`) claims, sends, then records: the row is "sending" (committed) before the
mail server is called and "sent" after, and an attempt that finds it still sending
reconciles rather than sending again; a broker that lost the message is covered by the
deadline sweep, which queues unsettled e-mails again (ADR 0006).
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts.language import language_for
from portal.branding import portal_name, regulator_name
from portal.errors import NotFound
from portal.notifications.models import (
    EMAIL_UNSETTLED,
    Channel,
    EmailStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)

log = logging.getLogger(__name__)


def wants_email(user, *, statutory: bool) -> bool:
    if not user.is_active or not user.email:
        return False
    if statutory:
        return True
    preference = NotificationPreference.objects.filter(user=user).values_list("reminders", flat=True).first()
    return preference != Channel.IN_APP


def notify(
    user,
    *,
    subject: str,
    body: str,
    kind: str = NotificationKind.GENERAL,
    statutory: bool = False,
    link: str = "",
    reminder=None,
) -> Notification:
    """Write `user`'s inbox row and queue the e-mail on commit (unless they opted out).

    With `reminder`, at most one notification per person per reminder: a second call
    returns the first."""
    if reminder is not None:
        existing = Notification.objects.filter(reminder=reminder, user=user).first()
        if existing is not None:
            return existing
    email = wants_email(user, statutory=statutory)
    now = timezone.now()
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        subject=str(subject)[:300],
        body=str(body),
        link=link,
        statutory=statutory,
        reminder=reminder,
        email_status=EmailStatus.PENDING if email else EmailStatus.NOT_WANTED,
        email_queued_at=now if email else None,
    )
    if email:
        transaction.on_commit(lambda: queue_email(notification.pk))
    return notification


def queue_email(notification_id: int) -> bool:
    """Hand the e-mail to the broker. A broker outage is logged, not raised: the row stays
    pending and the next sweep queues it again."""
    from portal.notifications.tasks import send_notification_email

    try:
        send_notification_email.delay(notification_id)
    except Exception:  # noqa: BLE001 - any broker failure; the database keeps the truth
        log.warning("Could not queue e-mail of notification %s; the sweep will retry.", notification_id)
        return False
    return True


def unread_count(user) -> int:
    return Notification.objects.for_user(user).unread().count()


@transaction.atomic
def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.for_user(user).select_for_update().filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(_("Notification not found."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


def preference_set(*, user, reminders: str) -> NotificationPreference:
    if reminders not in Channel.values:
        raise ValueError(f"unknown channel {reminders!r}")
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"reminders": reminders}
    )
    return preference


# --- E-mail delivery (called by the Celery task).


def _absolute(link: str) -> str:
    if link.startswith("/"):
        return settings.PORTAL_SITE_URL.rstrip("/") + link
    return link


def build_email(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail of `notification`, worded in its recipient's language (ADR 0010)."""
    with translation.override(language_for(notification.user)):
        return _build_email(notification)


def _build_email(notification: Notification) -> EmailMultiAlternatives:
    context = {
        "notification": notification,
        "link": _absolute(notification.link),
        "portal_name": portal_name(),
        "regulator_name": regulator_name(),
        "LANGUAGE_CODE": translation.get_language(),
        "LANGUAGE_BIDI": translation.get_language_bidi(),
    }
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=render_to_string("notifications/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.user.email],
        headers={"Message-ID": message_id(notification)},
    )
    message.attach_alternative(render_to_string("notifications/email.html", context), "text/html")
    return message


def message_id(notification: Notification) -> str:
    """Stable per notification, so a mail system can drop a duplicate if one ever slips by."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "portal.invalid"
    return f"<notification-{notification.pk}@{domain}>"


class SendingElsewhere(Exception):  # noqa: N818 - an outcome, not an error
    """The e-mail was claimed moments ago by a sender that may still report what happened:
    look again in `seconds`."""

    def __init__(self, seconds: float):
        super().__init__(f"claimed by another attempt; look again in {seconds:.0f} s")
        self.seconds = seconds


class EmailNotRecorded(Exception):  # noqa: N818 - what is known, carried to the retry
    """The database failed around a send, so the outbox row does not say what happened.
    `handed_off` is what this sender knows: True, the mail server took the message (the retry
    records it and never sends it again); False, it did not (the retry may send it); None,
    nothing was learnt (the database failed before anything was sent)."""

    def __init__(self, handed_off: bool | None, error: Exception):
        super().__init__(f"{error.__class__.__name__}: {error}")
        self.handed_off = handed_off


def deliver_email(notification_id: int, *, handed_off: bool | None = None) -> str:
    """Send a pending e-mail once: claim, send, then record (ADR 0006); returns what happened.

    1. Claim: the row goes from pending to sending, with the time of the claim, and that is
       committed before the mail server is called (its Message-ID is fixed by its primary key).
    2. Send, holding the row's lock, so that another attempt sees a sender at work and leaves.
    3. Record: sent, in the same transaction as the lock.

    `handed_off` is what an earlier attempt of this task learnt and could not record (see
    EmailNotRecorded). An attempt that finds the row still sending reconciles instead of
    sending blindly: told the message was handed off, it records it as sent; told it was not,
    it sends; told nothing (the broker redelivered the task of a worker that died, or the sweep
    queued it again), it leaves a recent claim to its sender (SendingElsewhere) and takes a
    claim older than PORTAL_EMAIL_RECONCILE_AFTER_SECONDS as never handed off."""
    token = _claim(notification_id, handed_off)
    if isinstance(token, str):
        return token
    sent = False
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("user")
                .filter(pk=notification_id, email_status=EmailStatus.SENDING, email_sending_at=token)
                .first()
            )
            if notification is None:
                return "taken-over"  # another attempt claimed it again meanwhile
            build_email(notification).send(fail_silently=False)  # raises: not handed off
            sent = True
            _record_sent(notification)
    except DatabaseError as exc:
        raise EmailNotRecorded(sent, exc) from exc
    return "sent"


def _claim(notification_id: int, handed_off: bool | None):
    """The claim's timestamp (the token of this attempt), or what happened instead."""
    now = timezone.now()
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("user")
                .filter(pk=notification_id)
                .first()
            )
            if notification is None:
                return "busy-or-gone"  # a sender holds it (mid-send), or it never existed
            status = notification.email_status
            if status == EmailStatus.SENDING:
                if handed_off:
                    _record_sent(notification)
                    return "recorded"  # the mail server has it: not sent again
                if handed_off is None:
                    waited = (now - notification.email_sending_at).total_seconds()
                    left = settings.PORTAL_EMAIL_RECONCILE_AFTER_SECONDS - waited
                    if left > 0:
                        raise SendingElsewhere(left)
                    log.warning(
                        "E-mail of notification %s was left sending %.0f s ago by a sender that recorded "
                        "nothing; taken as not handed off, sending it again.",
                        notification_id,
                        waited,
                    )
            elif status != EmailStatus.PENDING:
                return f"already-{status}"
            if not notification.user.is_active or not notification.user.email:
                notification.email_status = EmailStatus.NOT_WANTED  # left, or no address: in-app only
                notification.save(update_fields=["email_status"])
                return "not-wanted"
            notification.email_status = EmailStatus.SENDING
            notification.email_sending_at = now
            notification.email_attempts += 1
            notification.save(update_fields=["email_status", "email_sending_at", "email_attempts"])
    except DatabaseError as exc:
        raise EmailNotRecorded(handed_off, exc) from exc  # nothing sent here: what was known stands
    return now


def _record_sent(notification: Notification) -> None:
    notification.email_status = EmailStatus.SENT
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["email_status", "emailed_at"])


def record_email_failure(notification_id: int, error: Exception, *, final: bool, retry_at=None) -> None:
    """Count a failed attempt; after the last one the e-mail is failed, for administrators.
    `retry_at`: when the retry runs (the sweep does not queue another copy before then)."""
    from portal.deadlines.models import Reminder, ReminderStatus

    text = f"{error.__class__.__name__}: {error}"[:2000]
    with transaction.atomic():
        # The attempt was counted when it claimed the row; a send that raised was not handed
        # off, so the row is pending again (or failed, after the last attempt).
        updates = {
            "email_status": EmailStatus.FAILED if final else EmailStatus.PENDING,
            "email_last_error": text,
        }
        if not final and retry_at is not None:
            updates["email_queued_at"] = retry_at
        pending = Notification.objects.filter(pk=notification_id, email_status__in=EMAIL_UNSETTLED)
        reminder_id = pending.values_list("reminder_id", flat=True).first()
        pending.update(**updates)
        if final and reminder_id is not None:
            Reminder.objects.filter(pk=reminder_id).update(
                status=ReminderStatus.FAILED, last_error=_("E-mail failed: %(error)s") % {"error": text}
            )
