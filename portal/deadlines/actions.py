"""What a claimed milestone does, run by the `send_reminder` task exactly once.

A reminder notifies the people who must act. The `overdue` milestone marks the deadline
missed, lapses the subject through its own service function where the rule says so, tells
the people who had to act, and escalates to the responsible person's manager (or the rule's
role). Everything happens in one transaction with the reminder row locked and marked sent,
so a worker that dies half-way leaves nothing half-done and the retry starts again.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.language import language_for
from portal.audit.chain import record
from portal.deadlines import recipients
from portal.deadlines.models import (
    EXPIRING_KINDS,
    LAPSABLE_KINDS,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    Reminder,
    ReminderStatus,
)
from portal.deadlines.schedule import OVERDUE
from portal.deadlines.services import close_deadline
from portal.errors import DomainError
from portal.notifications.models import NotificationKind
from portal.notifications.services import notify
from portal.transitions import lock


def process_reminder(reminder_id: int, *, now=None) -> str:
    """Handle one claimed milestone once; returns what happened (for logs and tests)."""
    now = now or timezone.now()
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("deadline__rule")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None:
            return "busy-or-gone"  # another worker holds it, or it never existed
        if reminder.status != ReminderStatus.PENDING:
            return f"already-{reminder.status}"
        if reminder.milestone == OVERDUE:
            outcome = _overdue(reminder, now)
        else:
            outcome = _remind(reminder, now)
        reminder.status = ReminderStatus.SENT
        reminder.sent_at = now
        reminder.attempts += 1
        reminder.outcome = outcome[:300]
        reminder.save(update_fields=["status", "sent_at", "attempts", "outcome"])
    return outcome


def record_failure(reminder_id: int, error: Exception, *, final: bool, retry_at=None) -> None:
    """Count a failed attempt; after the last one the reminder is failed, for administrators.
    `retry_at`: when the retry runs (the sweep does not queue another copy before then)."""
    text = f"{error.__class__.__name__}: {error}"[:2000]
    updates = {"attempts": F("attempts") + 1, "last_error": text}
    if final:
        updates["status"] = ReminderStatus.FAILED
    elif retry_at is not None:
        updates["queued_at"] = retry_at
    Reminder.objects.filter(pk=reminder_id, status=ReminderStatus.PENDING).update(**updates)


def _tell(user, deadline: Deadline, reminder: Reminder, text, *, kind, statutory: bool) -> None:
    """Notify one person of the reminder's deadline; `text()` gives (subject, body) and is called
    in that person's language (ADR 0010), so each reads it in their own."""
    with translation.override(language_for(user)):
        subject, body = text()
        notify(
            user,
            subject=subject,
            body=body,
            kind=kind,
            statutory=statutory,
            link=recipients.link_for(deadline, user),
            reminder=reminder,
        )


def _remind(reminder: Reminder, now) -> str:
    deadline = reminder.deadline
    if deadline.status != DeadlineStatus.OPEN:
        return _("Not sent: the deadline is %(status)s.") % {"status": deadline.get_status_display()}
    if reminder.superseded:  # claimed for a date since moved: the new date has its own reminders
        return _moved(deadline)
    people = recipients.reminder_recipients(deadline)
    for user in people:
        # The days really left, counted now in the reader's zone: a reminder sent late (the
        # deadline was recorded late, the sweep was down) does not state the milestone's number.
        days = recipients.days_left(deadline.due_on, now, recipients.time_zone_for(user))
        _tell(
            user,
            deadline,
            reminder,
            lambda days=days: recipients.reminder_text(deadline, days),
            kind=NotificationKind.REMINDER,
            statutory=deadline.rule.statutory,
        )
    return _("Reminded %(count)d people.") % {"count": len(people)}


def _moved(deadline: Deadline) -> str:
    return _("Not sent: the due date moved to %(date)s.") % {"date": deadline.due_on.isoformat()}


def _lock_subject(deadline: Deadline) -> None:
    """Lock the subject's rows in the order its service functions do, before the deadline."""
    from licensing.models import Agreement, Application, Firm

    if deadline.application_id:
        lock(Application.objects, deadline.application_id)
    elif deadline.agreement_id:
        lock(Agreement.objects, deadline.agreement_id)
    if deadline.firm_id and not deadline.agreement_id:
        lock(Firm.objects, deadline.firm_id)


def _overdue(reminder: Reminder, now) -> str:
    _lock_subject(reminder.deadline)
    deadline = (
        Deadline.objects.select_for_update(of=("self",)).select_related("rule").get(pk=reminder.deadline_id)
    )
    if deadline.status != DeadlineStatus.OPEN:
        return _("Nothing to do: the deadline is %(status)s.") % {"status": deadline.get_status_display()}
    if deadline.due_on != reminder.due_on:  # extended after the claim: not missed
        return _moved(deadline)
    rule = deadline.rule
    close_deadline(deadline, DeadlineStatus.MISSED, now)
    record(
        actor=None,
        action="deadline.missed",
        obj=deadline,
        from_state=DeadlineStatus.OPEN,
        to_state=DeadlineStatus.MISSED,
        reason=_("Due on %(date)s.") % {"date": deadline.due_on.isoformat()},
        details={
            "kind": deadline.kind,
            "due_on": deadline.due_on,
            "escalate": rule.escalate,
            "lapse": rule.lapse,
        },
    )
    if deadline.kind in EXPIRING_KINDS:
        outcome = _expire(deadline, now)  # a fact, not a policy: the rule's `lapse` plays no part
    elif rule.lapse and deadline.kind in LAPSABLE_KINDS:
        outcome = _lapse(deadline)
    else:
        outcome = ""
    escalated = recipients.escalation_recipients(deadline) if rule.escalate else []
    told = {user.pk for user in escalated}
    for user in escalated:
        _tell(
            user,
            deadline,
            reminder,
            lambda: recipients.escalation_text(deadline, outcome),
            kind=NotificationKind.ESCALATION,
            statutory=True,
        )
    for user in recipients.reminder_recipients(deadline):
        if user.pk not in told:
            _tell(
                user,
                deadline,
                reminder,
                lambda: recipients.missed_text(deadline, outcome),
                kind=NotificationKind.MISSED,
                statutory=rule.statutory,
            )
    summary = _("Missed; escalated to %(count)d people.") % {"count": len(escalated)}
    return f"{summary} {outcome}".strip()


def _lapse(deadline: Deadline):
    """Take the lapse transition through the subject's service function (a savepoint: a
    lapse that is no longer possible leaves the rest of the work standing)."""
    from licensing.services.agreements import agreement_lapse
    from licensing.services.applications import application_lapse
    from licensing.services.firms import firm_lapse_noc

    reason = _("%(what)s was due on %(date)s and was not met.") % {
        "what": deadline.get_kind_display(),
        "date": deadline.due_on.isoformat(),
    }
    try:
        with transaction.atomic():
            if deadline.kind == DeadlineKind.ANSWER_INFORMATION_REQUEST:
                application_lapse(application_id=deadline.application_id, reason=reason)
                return gettext_lazy("The application lapsed.")  # worded per recipient
            if deadline.kind == DeadlineKind.NOC_VALIDITY:
                firm_lapse_noc(firm_id=deadline.firm_id, reason=reason)
                return gettext_lazy("The NOC lapsed.")
            agreement_lapse(agreement_id=deadline.agreement_id, reason=reason)
            return gettext_lazy("The agreement lapsed.")
    except DomainError as exc:
        return _("Not lapsed: %(detail)s") % {"detail": exc.detail}


def _expire(deadline: Deadline, now):
    """The licence's last day has passed without a renewal: the firm's licence expires, through
    its service function (a savepoint: a licence already ended leaves the rest standing)."""
    from licensing.services.firms import firm_expire_licence

    try:
        with transaction.atomic():
            firm_expire_licence(firm_id=deadline.firm_id, on=timezone.localdate(now))
            return gettext_lazy("The licence expired.")  # worded per recipient
    except DomainError as exc:
        return _("Not expired: %(detail)s") % {"detail": exc.detail}
