"""The periodic sweep: find what is due, claim each milestone once, queue the work.

1. Queue again what the broker may have lost: reminders still pending and e-mails still
   pending or sending a while (settings.PORTAL_REQUEUE_AFTER_SECONDS) after they were last
   queued (an e-mail left sending is reconciled by its task, not sent blindly).
2. In batches, lock the open deadlines whose `next_action_at` has come (partial index
   `deadline_next_action`; `FOR UPDATE SKIP LOCKED`, so concurrent sweeps share the work and
   never wait on each other), insert a `Reminder` row per milestone due (unique per deadline,
   milestone and due date, so a moved due date earns its own milestones), move each cursor
   to its next milestone, and queue one task per reminder when the batch commits.
3. Record the expiry of every licence past its last day that no open renewal deadline will
   record (one whose deadline was cancelled or never opened): the overdue milestone of the
   licence-renewal deadline does it for the rest, and tells the people concerned.

Running it twice, concurrently or from two beat processes sends nothing twice: a deadline is
claimed by one sweep at a time, the cursor moves past what was claimed, the unique
constraint backs that up, and the tasks themselves act only on pending rows.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.deadlines import schedule
from portal.deadlines.models import (
    EXPIRING_KINDS,
    LAPSABLE_KINDS,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    Reminder,
    ReminderStatus,
)
from portal.notifications.models import EMAIL_UNSETTLED, Notification
from portal.notifications.services import queue_email

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    claimed: list[tuple[int, str]] = field(default_factory=list)  # (deadline id, milestone)
    reminder_ids: list[int] = field(default_factory=list)
    requeued_reminders: list[int] = field(default_factory=list)
    requeued_emails: list[int] = field(default_factory=list)
    expired_firms: list[int] = field(default_factory=list)
    batches: int = 0

    def summary(self) -> dict:
        return {
            "claimed": len(self.claimed),
            "requeued_reminders": len(self.requeued_reminders),
            "requeued_emails": len(self.requeued_emails),
            "expired_licences": len(self.expired_firms),
            "batches": self.batches,
        }


def queue_reminder(reminder_id: int) -> bool:
    """Hand a reminder to the broker; an outage is logged, and the next sweep retries."""
    from portal.deadlines.tasks import send_reminder

    try:
        send_reminder.delay(reminder_id)
    except Exception:  # noqa: BLE001 - any broker failure; the row stays pending
        log.warning("Could not queue reminder %s; the next sweep will retry.", reminder_id)
        return False
    return True


def _queue_all(enqueue, ids):
    def send():
        for pk in ids:
            enqueue(pk)

    return send


def sweep(*, now=None, enqueue_reminder=None, enqueue_email=None, batch_size=None) -> SweepReport:
    now = now or timezone.now()
    enqueue_reminder = enqueue_reminder or queue_reminder
    enqueue_email = enqueue_email or queue_email
    batch_size = batch_size or settings.PORTAL_SWEEP_BATCH_SIZE
    report = SweepReport()
    requeue_stale(now, report, enqueue_reminder, enqueue_email)
    while True:
        count = _claim_batch(now, batch_size, report, enqueue_reminder)
        if count < batch_size:
            break
    expire_unwatched_licences(now, report)
    return report


def expire_unwatched_licences(now, report: SweepReport) -> None:
    """Take the expiry of licences past their last day whose firm has no live renewal deadline
    (each through firm_expire_licence, in its own transaction)."""
    from licensing.models import Licence
    from licensing.operating import EXPIRING_LICENCE_STATUSES, LICENCE_STAGES
    from licensing.services.firms import firm_expire_licence
    from portal.errors import DomainError

    today = timezone.localdate(now)
    watched = Deadline.objects.filter(
        kind=DeadlineKind.LICENCE_RENEWAL, status__in=[DeadlineStatus.OPEN, DeadlineStatus.PAUSED]
    ).values("firm_id")
    firm_ids = (
        Licence.objects.filter(
            status__in=EXPIRING_LICENCE_STATUSES, expires_on__lt=today, firm__stage__in=LICENCE_STAGES
        )
        .exclude(firm_id__in=watched)
        .values_list("firm_id", flat=True)
        .distinct()
    )
    for firm_id in list(firm_ids):
        try:
            firm_expire_licence(firm_id=firm_id, on=today)
        except DomainError as exc:  # changed meanwhile (renewed, revoked): nothing to record
            log.info("Licence of firm %s not expired: %s", firm_id, exc.detail)
        else:
            report.expired_firms.append(firm_id)


def _claim_batch(now, batch_size, report: SweepReport, enqueue) -> int:
    with transaction.atomic():
        deadlines = list(
            Deadline.objects.due_for_action(now)
            .order_by("next_action_at")
            .select_for_update(skip_locked=True, of=("self",))
            .only("pk", "due_on", "reminder_offsets", "next_action_at")[:batch_size]
        )
        if not deadlines:
            return 0
        report.batches += 1
        claimed = defaultdict(set)  # per deadline: milestones claimed for its current due date
        due_on = {d.pk: d.due_on for d in deadlines}
        for deadline_id, milestone, for_date in Reminder.objects.filter(
            deadline_id__in=list(due_on)
        ).values_list("deadline_id", "milestone", "due_on"):
            if for_date == due_on[deadline_id]:
                claimed[deadline_id].add(milestone)
        new = []
        for deadline in deadlines:
            done = claimed[deadline.pk]
            for milestone in schedule.due_now(
                deadline.due_on, deadline.reminder_offsets, deadline.next_action_at, now, claimed=done
            ):
                new.append(
                    Reminder(
                        deadline_id=deadline.pk,
                        milestone=milestone.name,
                        due_on=deadline.due_on,
                        scheduled_for=milestone.at,
                        queued_at=now,
                    )
                )
                done.add(milestone.name)
            deadline.next_action_at = schedule.next_after(
                deadline.due_on, deadline.reminder_offsets, now, claimed=done
            )
        Deadline.objects.bulk_update(deadlines, ["next_action_at"])
        created = Reminder.objects.bulk_create(new)
        ids = [reminder.pk for reminder in created]
        report.claimed.extend((r.deadline_id, r.milestone) for r in created)
        report.reminder_ids.extend(ids)
        transaction.on_commit(_queue_all(enqueue, ids))
    return len(deadlines)


def requeue_stale(now, report: SweepReport, enqueue_reminder, enqueue_email, *, limit: int = 1000) -> None:
    """Queue again what is pending in the database but may be missing from the broker (it was
    flushed or restarted, or a worker died): the database, not the broker, is the record."""
    cutoff = now - datetime.timedelta(seconds=settings.PORTAL_REQUEUE_AFTER_SECONDS)
    with transaction.atomic():
        ids = list(
            Reminder.objects.filter(status=ReminderStatus.PENDING, queued_at__lte=cutoff)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Reminder.objects.filter(pk__in=ids).update(queued_at=now)
            transaction.on_commit(_queue_all(enqueue_reminder, ids))
        report.requeued_reminders.extend(ids)
    with transaction.atomic():
        ids = list(
            Notification.objects.filter(email_status__in=EMAIL_UNSETTLED, email_queued_at__lte=cutoff)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Notification.objects.filter(pk__in=ids).update(email_queued_at=now)
            transaction.on_commit(_queue_all(enqueue_email, ids))
        report.requeued_emails.extend(ids)


def plan(*, now=None) -> dict:
    """What a sweep would do now, without writing or locking anything (`--dry-run`)."""
    from portal.deadlines import recipients

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.PORTAL_REQUEUE_AFTER_SECONDS)
    items = []
    deadlines = (
        Deadline.objects.due_for_action(now)
        .order_by("next_action_at")
        .select_related("rule", "firm", "application", "information_request", "agreement", "responsible")
    )
    for deadline in deadlines.iterator(chunk_size=500):
        done = set(deadline.reminders.filter(due_on=deadline.due_on).values_list("milestone", flat=True))
        for milestone in schedule.due_now(
            deadline.due_on, deadline.reminder_offsets, deadline.next_action_at, now, claimed=done
        ):
            item = {"deadline": deadline, "milestone": milestone.name, "lapse": False, "escalate": []}
            if milestone.is_overdue:
                item["lapse"] = deadline.kind in EXPIRING_KINDS or (
                    deadline.rule.lapse and deadline.kind in LAPSABLE_KINDS
                )
                if deadline.rule.escalate:
                    item["escalate"] = recipients.escalation_recipients(deadline)
            item["recipients"] = recipients.reminder_recipients(deadline)
            items.append(item)
    return {
        "items": items,
        "stale_reminders": Reminder.objects.filter(
            status=ReminderStatus.PENDING, queued_at__lte=cutoff
        ).count(),
        "stale_emails": Notification.objects.filter(
            email_status__in=EMAIL_UNSETTLED, email_queued_at__lte=cutoff
        ).count(),
    }
