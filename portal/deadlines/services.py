"""Opening, pausing, resuming and closing deadlines: called by the service functions.

Each function runs inside the caller's transaction, after the caller has locked its own
rows (the application, the firm, the agreement): deadline rows are always locked last, so
the lock order stays child, firm, deadline, and nothing here can deadlock with a service.
Subjects are given as keywords (`firm`, `application`, `information_request`, `agreement`),
each a model instance or a primary key. A kind whose rule is switched off opens nothing, and
pausing, resuming or closing what does not exist does nothing.
"""

from django.db import transaction
from django.utils import timezone

from portal.businessdays import calendar
from portal.deadlines import schedule
from portal.deadlines.models import (
    LIVE_STATUSES,
    Deadline,
    DeadlineKind,
    DeadlinePause,
    DeadlineRule,
    DeadlineStatus,
)

SUBJECTS = ("firm", "application", "information_request", "agreement")


def _pk(value):
    return getattr(value, "pk", value)


def _subject(subject: dict) -> dict:
    unknown = set(subject) - set(SUBJECTS)
    if unknown:
        raise TypeError(f"unknown subject {sorted(unknown)}")
    return {f"{name}_id": _pk(value) for name, value in subject.items() if value is not None}


def _kinds(kinds) -> list[str] | None:
    if kinds is None:
        return None
    return [kinds] if isinstance(kinds, str) else list(kinds)


def _locked(kinds, subject: dict, statuses=LIVE_STATUSES):
    """The live deadlines of `kinds` (all kinds when None) of the subject, locked."""
    filters = _subject(subject)
    if not filters:
        raise TypeError("name the subject of the deadlines")
    queryset = Deadline.objects.filter(status__in=statuses, **filters)
    wanted = _kinds(kinds)
    if wanted is not None:
        queryset = queryset.filter(kind__in=wanted)
    return list(queryset.select_for_update(of=("self",)).select_related("rule").order_by("pk"))


def rule_for(kind: str) -> DeadlineRule | None:
    return DeadlineRule.objects.filter(kind=kind, is_active=True).first()


def open_for(kind: str, *, responsible=None, start=None, due_on=None, **subject) -> Deadline | None:
    """Start the clock of a `kind` deadline for the subject (the rule's period from `start`,
    or an explicit `due_on`). Opening one that is already live returns it unchanged."""
    rule = rule_for(kind)
    if rule is None:
        return None
    filters = _subject(subject)
    if "application_id" in filters and "firm_id" not in filters:
        application = subject["application"]
        if hasattr(application, "firm_id"):
            filters["firm_id"] = application.firm_id
    existing = Deadline.objects.filter(kind=kind, status__in=LIVE_STATUSES, **filters).first()
    if existing is not None:
        return existing
    now = timezone.now()
    start = start or now
    if due_on is None:
        due_on = calendar.due_on(start, rule.amount, rule.unit)
    offsets = list(rule.reminder_offsets)
    return Deadline.objects.create(
        kind=kind,
        rule=rule,
        responsible_id=_pk(responsible),
        started_at=start,
        due_on=due_on,
        due_at=calendar.end_of(due_on),
        original_due_on=due_on,
        reminder_offsets=offsets,
        next_action_at=schedule.next_after(due_on, offsets, start),
        **filters,
    )


def pause(kinds, *, reason: str = "", now=None, **subject) -> int:
    """Stop the clock of open, pausable deadlines (an information request was raised)."""
    now = now or timezone.now()
    count = 0
    for deadline in _locked(kinds, subject, statuses=[DeadlineStatus.OPEN]):
        if not deadline.rule.pausable:
            continue
        deadline.status = DeadlineStatus.PAUSED
        deadline.paused_at = now
        deadline.next_action_at = None
        deadline.save(update_fields=["status", "paused_at", "next_action_at"])
        DeadlinePause.objects.create(deadline=deadline, paused_at=now, reason=reason[:300])
        count += 1
    return count


def resume(kinds, *, now=None, **subject) -> int:
    """Restart paused clocks; the whole local days they stood still are added to the due date."""
    now = now or timezone.now()
    count = 0
    for deadline in _locked(kinds, subject, statuses=[DeadlineStatus.PAUSED]):
        days = schedule.paused_days(deadline.paused_at, now, calendar.local_date)
        DeadlinePause.objects.filter(deadline=deadline, resumed_at__isnull=True).update(
            resumed_at=now, days=days
        )
        deadline.status = DeadlineStatus.OPEN
        deadline.paused_at = None
        deadline.paused_days += days
        _move_due_date(deadline, deadline.due_on + calendar.ONE_DAY * days, now)
        deadline.save(
            update_fields=["status", "paused_at", "paused_days", "due_on", "due_at", "next_action_at"]
        )
        count += 1
    return count


def reschedule(kinds, *, due_on, now=None, **subject) -> int:
    """Move the due date of live deadlines (an agreement's window was extended)."""
    now = now or timezone.now()
    deadlines = _locked(kinds, subject)
    for deadline in deadlines:
        _move_due_date(deadline, due_on, now)
        deadline.save(update_fields=["due_on", "due_at", "next_action_at"])
    return len(deadlines)


def _move_due_date(deadline: Deadline, due_on, now) -> None:
    """A new due date earns its milestones still ahead of `now`, once each (a reminder is
    claimed per deadline, milestone and due date); those already behind it are passed over,
    not sent late in a burst. Moving back to a date already reminded of sends nothing again."""
    deadline.due_on = due_on
    deadline.due_at = calendar.end_of(due_on)
    if deadline.status == DeadlineStatus.OPEN:
        claimed = frozenset(deadline.reminders.filter(due_on=due_on).values_list("milestone", flat=True))
        deadline.next_action_at = schedule.next_after(due_on, deadline.reminder_offsets, now, claimed=claimed)


def assign(kinds, *, responsible, **subject) -> int:
    """Make `responsible` the person answerable for live deadlines (a case was assigned)."""
    deadlines = _locked(kinds, subject)
    for deadline in deadlines:
        deadline.responsible_id = _pk(responsible)
        deadline.save(update_fields=["responsible"])
    return len(deadlines)


def close(kinds, *, outcome: str, **subject) -> int:
    """End live deadlines as met, missed or cancelled; nothing more is sent for them."""
    if outcome not in (DeadlineStatus.MET, DeadlineStatus.MISSED, DeadlineStatus.CANCELLED):
        raise ValueError(f"a deadline cannot close as {outcome!r}")
    now = timezone.now()
    deadlines = _locked(kinds, subject)
    for deadline in deadlines:
        close_deadline(deadline, outcome, now)
    return len(deadlines)


def close_deadline(deadline: Deadline, outcome: str, now) -> None:
    """Close one locked deadline."""
    if deadline.status == DeadlineStatus.PAUSED:
        DeadlinePause.objects.filter(deadline=deadline, resumed_at__isnull=True).update(resumed_at=now)
    deadline.status = outcome
    deadline.closed_at = now
    deadline.paused_at = None
    deadline.next_action_at = None
    deadline.save(update_fields=["status", "closed_at", "paused_at", "next_action_at"])


# --- Shorthands for the service functions.

DECIDE = {"noc": DeadlineKind.DECIDE_NOC_APPLICATION, "licence": DeadlineKind.DECIDE_LICENCE_APPLICATION}


def decision_kind(application) -> str:
    return DECIDE[application.kind]


def acknowledged(*, application_id: int) -> int:
    """The automatic receipt went out: the acknowledgement deadline is met."""
    with transaction.atomic():
        return close(
            DeadlineKind.ACKNOWLEDGE_SUBMISSION, outcome=DeadlineStatus.MET, application=application_id
        )
