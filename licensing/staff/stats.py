"""The figures on the staff dashboard, each from one aggregate query.

Nothing here loops over applications in Python, with one documented exception: on SQLite
(laptops and most tests), which has no ordered-set aggregates, the percentiles of days to
decision are computed from the list of durations, fetched as one column. On PostgreSQL they
are computed in the database with `percentile_cont`, so the page reads a handful of numbers
whatever the size of the register.

Definitions, so that the numbers can be checked by hand:

- **Pipeline**: every application, counted by status and kind (drafts included).
- **Decisions this month**: approvers' `Decision` rows dated in the current calendar month in
  the regulator's time zone, by outcome (granted, refused, sent back) and kind.
- **Days to decision**: for decided applications (approved or refused), `decided_at -
  submitted_at` in days (fractional). Median and 90th percentile use linear interpolation
  between the closest ranks (PostgreSQL's `percentile_cont`; the SQLite fallback does the same
  arithmetic).
- **Decided within the statutory deadline**: the decision fell on or before the due date, the
  local date of submission plus N calendar days, N = `PORTAL_NOC_DECISION_DAYS` (60) or
  `PORTAL_LICENCE_DECISION_DAYS` (90). These figures count the days an information request
  was open; the statutory decision clock does not: the deadline engine (portal.deadlines)
  pauses the case's decision deadline while a request is open and adds the paused days to its
  due date when the firm answers. So this figure errs on the side of "late", and the
  dashboard says so.
- **Overdue**: open information requests whose `due_on` is before today; applications with
  the regulator (submitted, under review, awaiting decision: the clock stops while the firm
  owes an answer) whose due date is before today. These are the definitions of the work
  queues (licensing.staff.queries), so the dashboard and the queues agree.
- **Workload**: open applications per assigned case officer, with every active case officer
  listed even when they have none, and the unassigned ones as their own row.

`dashboard_stats()` keeps the result for `PORTAL_DASHBOARD_CACHE_SECONDS` (default 60; 0
turns the cache off) under a key that names the time bucket, so every member of staff sees
the same figures within that bucket and the page says when they were computed. The cached
value holds codes and numbers only; labels are translated when the page is drawn.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Field,
    FloatField,
    Func,
    Q,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Decision,
    InformationRequest,
    InformationRequestStatus,
)
from licensing.models.applications import DECIDED_STATUSES, OPEN_STATUSES, DecisionOutcome
from licensing.staff import queries
from portal.accounts.models import User
from portal.accounts.roles import StaffRole

KINDS = tuple(ApplicationKind.values)
STATUSES = tuple(ApplicationStatus.values)
OUTCOMES = tuple(DecisionOutcome.values)
OVERDUE_LIST_LIMIT = 10
PERCENTILES = (0.5, 0.9)
CACHE_VERSION = 1


def decision_days() -> dict[str, int]:
    """The statutory decision period of each kind, in calendar days (settings, 60 and 90)."""
    return {kind: queries.decision_days(kind) for kind in KINDS}


# --- Results: plain values, so that they pickle into the cache.


@dataclass(frozen=True)
class KindTiming:
    kind: str
    deadline_days: int
    decided: int
    within_deadline: int
    median_days: float | None
    p90_days: float | None

    @property
    def share_within(self) -> float | None:
        """Fraction (0..1) decided within the deadline; None when nothing was decided."""
        return self.within_deadline / self.decided if self.decided else None


@dataclass(frozen=True)
class OverdueRequest:
    application_id: int
    reference: str
    firm: str
    kind: str
    due_on: datetime.date
    days_overdue: int


@dataclass(frozen=True)
class OverdueApplication:
    application_id: int
    reference: str
    firm: str
    kind: str
    status: str
    submitted_at: datetime.datetime
    days_open: int
    days_over: int
    officer: str


@dataclass(frozen=True)
class OfficerLoad:
    officer_id: int | None  # None: not assigned to anyone
    name: str
    open: int
    information_requested: int
    awaiting_decision: int
    past_deadline: int


@dataclass(frozen=True)
class DashboardStats:
    computed_at: datetime.datetime
    deadline_days: dict[str, int]
    pipeline: dict[tuple[str, str], int]  # (status, kind) -> count
    decisions_this_month: dict[tuple[str, str], int]  # (outcome, kind) -> count
    month_start: datetime.date
    timing: dict[str, KindTiming]  # kind, and "all"
    overdue_requests: int
    overdue_request_items: list[OverdueRequest]
    overdue_applications: dict[str, int]  # kind -> count
    overdue_application_items: list[OverdueApplication]
    workload: list[OfficerLoad] = field(default_factory=list)

    def pipeline_total(self, status: str | None = None, kind: str | None = None) -> int:
        return sum(
            n
            for (s, k), n in self.pipeline.items()
            if (status is None or s == status) and (kind is None or k == kind)
        )

    @property
    def open_applications(self) -> int:
        return sum(self.pipeline_total(status=s) for s in OPEN_STATUSES)

    def decisions_total(self, outcome: str | None = None, kind: str | None = None) -> int:
        return sum(
            n
            for (o, k), n in self.decisions_this_month.items()
            if (outcome is None or o == outcome) and (kind is None or k == kind)
        )

    @property
    def overdue_applications_total(self) -> int:
        return sum(self.overdue_applications.values())


# --- Percentiles.


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate, several fractions from one sort:
    percentile_cont(ARRAY[f1, f2, ...]) WITHIN GROUP (ORDER BY expr), a list of floats."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(ARRAY[%(fractions)s]::float8[]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = Field()  # float8[]: psycopg returns a list, which needs no conversion

    def __init__(self, expression, fractions: tuple[float, ...], **extra):
        checked = [float(f) for f in fractions]
        if not checked or not all(0 <= f <= 1 for f in checked):
            raise ValueError("Percentiles are fractions between 0 and 1.")
        # Float literals we made ourselves from numbers: never user input.
        super().__init__(expression, fractions=", ".join(repr(f) for f in checked), **extra)


def percentile_cont(sorted_values: list[float], fraction: float) -> float | None:
    """The same interpolation as PostgreSQL's percentile_cont, on an ascending list."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _duration():
    return ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField())


def _decided():
    tz = timezone.get_current_timezone()
    return (
        Application.objects.filter(
            status__in=DECIDED_STATUSES, submitted_at__isnull=False, decided_at__isnull=False
        )
        .annotate(
            submitted_on=TruncDate("submitted_at", tzinfo=tz), decided_on=TruncDate("decided_at", tzinfo=tz)
        )
        .order_by()
    )


def _within_deadline_q(kind: str, days: int) -> Q:
    """Decided on or before the due date (local dates; see the module's docstring)."""
    # The kind first: PostgreSQL evaluates a FILTER's conditions in order, so the time-zone
    # conversions run only on the rows of that kind.
    return Q(kind=kind) & Q(decided_on__lte=F("submitted_on") + datetime.timedelta(days=days))


def _past_deadline_q(today: datetime.date) -> Q:
    """With the regulator and due before today (the work queues' definition)."""
    return queries.decision_due_by(today - datetime.timedelta(days=1))


def timing_figures(days: dict[str, int]) -> dict[str, KindTiming]:
    """Decided count, share within the deadline and percentiles of days, per kind and "all"."""
    counts = {}
    for kind in KINDS:
        counts[f"{kind}__n"] = Count("pk", filter=Q(kind=kind))
        counts[f"{kind}__within"] = Count("pk", filter=_within_deadline_q(kind, days[kind]))

    if connection.vendor == "postgresql":
        # DATE_PART gives a double (EXTRACT gives numeric since PostgreSQL 14, which sorts
        # several times slower); one array-valued aggregate per group sorts once for both.
        epoch_days = Func(
            _duration(),
            template="DATE_PART('epoch', %(expressions)s) / 86400.0::float8",
            output_field=FloatField(),
        )
        for kind in KINDS:
            counts[f"{kind}__pct"] = PercentileCont(epoch_days, PERCENTILES, filter=Q(kind=kind))
        counts["all__pct"] = PercentileCont(epoch_days, PERCENTILES)
        row = _decided().aggregate(**counts)
    else:
        # SQLite has no percentile aggregate: fetch the durations (one column, sorted by
        # the database) and interpolate here, exactly as percentile_cont does.
        row = _decided().aggregate(**counts)
        per_kind: dict[str, list[float]] = {kind: [] for kind in KINDS}
        everything: list[float] = []
        for kind, duration in _decided().annotate(d=_duration()).order_by("d").values_list("kind", "d"):
            value = duration.total_seconds() / 86400
            per_kind.setdefault(kind, []).append(value)
            everything.append(value)
        for kind, values in [*per_kind.items(), ("all", everything)]:
            row[f"{kind}__pct"] = [percentile_cont(values, f) for f in PERCENTILES] if values else None
    row["all__n"] = sum(row[f"{kind}__n"] for kind in KINDS)
    row["all__within"] = sum(row[f"{kind}__within"] for kind in KINDS)

    result = {}
    for kind in (*KINDS, "all"):
        median, p90 = row[f"{kind}__pct"] or (None, None)
        result[kind] = KindTiming(
            kind=kind,
            deadline_days=days.get(kind, 0),
            decided=row[f"{kind}__n"],
            within_deadline=row[f"{kind}__within"],
            median_days=median,
            p90_days=p90,
        )
    return result


# --- The other figures.


def pipeline_counts() -> dict[tuple[str, str], int]:
    rows = Application.objects.order_by().values("status", "kind").annotate(n=Count("pk"))
    return {(r["status"], r["kind"]): r["n"] for r in rows}


def month_start(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def decisions_in_month(now: datetime.datetime) -> dict[tuple[str, str], int]:
    rows = (
        Decision.objects.filter(created_at__gte=month_start(now), created_at__lte=now)
        .order_by()
        .values("outcome", "application__kind")
        .annotate(n=Count("pk"))
    )
    return {(r["outcome"], r["application__kind"]): r["n"] for r in rows}


def _first(ordered):
    """The ids of the first few rows, as a subquery: the database picks them from one table
    before joining the firm and the officer to those few (not to every candidate)."""
    return ordered.values("pk")[:OVERDUE_LIST_LIMIT]


def overdue_requests(today: datetime.date) -> tuple[int, list[OverdueRequest]]:
    overdue = InformationRequest.objects.filter(status=InformationRequestStatus.OPEN, due_on__lt=today)
    total = overdue.count()
    items = [
        OverdueRequest(
            application_id=r["application_id"],
            reference=r["application__reference"] or "",
            firm=r["application__firm__legal_name"],
            kind=r["application__kind"],
            due_on=r["due_on"],
            days_overdue=(today - r["due_on"]).days,
        )
        for r in InformationRequest.objects.filter(pk__in=_first(overdue.order_by("due_on", "pk")))
        .order_by("due_on", "pk")
        .values(
            "application_id",
            "application__reference",
            "application__firm__legal_name",
            "application__kind",
            "due_on",
        )
    ]
    return total, items


def overdue_applications(
    days: dict[str, int], today: datetime.date
) -> tuple[dict[str, int], list[OverdueApplication]]:
    late = Application.objects.filter(_past_deadline_q(today))
    counts = {kind: 0 for kind in KINDS}
    for r in late.order_by().values("kind").annotate(n=Count("pk")):
        counts[r["kind"]] = r["n"]
    items = []
    rows = (
        Application.objects.filter(pk__in=_first(late.order_by("submitted_at", "pk")))
        .order_by("submitted_at", "pk")
        .values(
            "pk",
            "reference",
            "firm__legal_name",
            "kind",
            "status",
            "submitted_at",
            "assigned_officer__full_name",
            "assigned_officer__email",
        )
    )
    for r in rows:
        submitted_on = timezone.localdate(r["submitted_at"])
        due_on = submitted_on + datetime.timedelta(days=days[r["kind"]])
        items.append(
            OverdueApplication(
                application_id=r["pk"],
                reference=r["reference"] or "",
                firm=r["firm__legal_name"],
                kind=r["kind"],
                status=r["status"],
                submitted_at=r["submitted_at"],
                days_open=(today - submitted_on).days,
                days_over=(today - due_on).days,
                officer=r["assigned_officer__full_name"] or r["assigned_officer__email"] or "",
            )
        )
    return counts, items


def officer_workload(today: datetime.date) -> list[OfficerLoad]:
    rows = (
        Application.objects.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("assigned_officer_id")
        .annotate(
            open=Count("pk"),
            information_requested=Count("pk", filter=Q(status=ApplicationStatus.INFORMATION_REQUESTED)),
            awaiting_decision=Count("pk", filter=Q(status=ApplicationStatus.AWAITING_DECISION)),
            past_deadline=Count("pk", filter=_past_deadline_q(today)),
        )
    )
    by_officer = {r["assigned_officer_id"]: r for r in rows}
    people = (
        User.objects.filter(
            Q(pk__in=[pk for pk in by_officer if pk is not None])
            | Q(is_active=True, groups__name=StaffRole.CASE_OFFICER.value)
        )
        .order_by()
        .values("pk", "full_name", "email")
        .distinct()
    )
    loads = []
    for person in people:
        r = by_officer.get(person["pk"], {})
        loads.append(
            OfficerLoad(
                officer_id=person["pk"],
                name=person["full_name"] or person["email"],
                open=r.get("open", 0),
                information_requested=r.get("information_requested", 0),
                awaiting_decision=r.get("awaiting_decision", 0),
                past_deadline=r.get("past_deadline", 0),
            )
        )
    loads.sort(key=lambda load: (-load.open, load.name.casefold()))
    if None in by_officer:
        r = by_officer[None]
        loads.append(
            OfficerLoad(
                officer_id=None,
                name="",
                open=r["open"],
                information_requested=r["information_requested"],
                awaiting_decision=r["awaiting_decision"],
                past_deadline=r["past_deadline"],
            )
        )
    return loads


def compute_dashboard_stats(now: datetime.datetime | None = None) -> DashboardStats:
    """Every figure, live from the database (about ten queries, whatever the data)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    days = decision_days()
    request_total, request_items = overdue_requests(today)
    late_counts, late_items = overdue_applications(days, today)
    return DashboardStats(
        computed_at=now,
        deadline_days=days,
        pipeline=pipeline_counts(),
        decisions_this_month=decisions_in_month(now),
        month_start=month_start(now).date(),
        timing=timing_figures(days),
        overdue_requests=request_total,
        overdue_request_items=request_items,
        overdue_applications=late_counts,
        overdue_application_items=late_items,
        workload=officer_workload(today),
    )


def cache_seconds() -> int:
    return int(getattr(settings, "PORTAL_DASHBOARD_CACHE_SECONDS", 60))


def _cache_key(now: datetime.datetime, seconds: int) -> str:
    return f"staff-dashboard:v{CACHE_VERSION}:{seconds}:{int(now.timestamp()) // seconds}"


def dashboard_stats(now: datetime.datetime | None = None) -> DashboardStats:
    """The dashboard's figures, shared by everyone for `PORTAL_DASHBOARD_CACHE_SECONDS`."""
    now = now or timezone.now()
    seconds = cache_seconds()
    if seconds <= 0:
        return compute_dashboard_stats(now)
    key = _cache_key(now, seconds)
    stats = cache.get(key)
    if stats is None:
        stats = compute_dashboard_stats(now)
        cache.set(key, stats, seconds)
    return stats


def refresh_dashboard_stats(now: datetime.datetime | None = None) -> DashboardStats:
    """Compute the figures for the current period and store them, so that no viewer waits:
    for a periodic task at the start of each period (not scheduled yet)."""
    now = now or timezone.now()
    stats = compute_dashboard_stats(now)
    seconds = cache_seconds()
    if seconds > 0:
        cache.set(_cache_key(now, seconds), stats, seconds)
    return stats
