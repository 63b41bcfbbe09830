"""Reads behind the staff work queues.

Each queue is one `Q` over the applications that `for_queues(user)` returns (already
joined to the firm and the officer, and LEFT JOINed to *this* user's `CaseView` and to the
open information request; "awaiting my decision" adds a NOT EXISTS on the recommendation).
The page, the CSV export and the counts share these definitions, and the counts of every
queue come from one conditional aggregation, so a page costs the same number of queries
whatever the number of cases.

Index use (for the benchmark): every queue except "all cases" is restricted to the open
statuses, which the `status` index (`application_status_kind`) narrows; "assigned to me"
also has the foreign-key index on `assigned_officer_id`; the two joins and the NOT EXISTS
use indexes (the unique (user, application) constraint of `CaseView`, the partial unique
index of the open `InformationRequest`, the application foreign key of `Recommendation`).
Decided applications, the bulk of a mature register, are
never scanned by the counts: a queue's cost follows the number of open cases, not of all
applications. "All cases" reads every submitted application in its default order
(`submitted_at`, then `id`) from the partial index `application_submitted_order`, so a page
stops after its 50 rows instead of sorting the whole table.

Deadlines: until the deadline engine (portal.deadlines) is wired in, "near or past a
deadline" uses two clocks computed here: the open information request's `due_on`, and the
decision service level counted in calendar days from `submitted_at`
(`settings.PORTAL_NOC_DECISION_DAYS` / `PORTAL_LICENCE_DECISION_DAYS`, 60 and 90 by default,
defined here because settings does not have them yet). The decision clock runs while the
case is with the regulator (submitted, under review, awaiting decision); the days a case
spent waiting on the firm are not yet added back.
"""

import dataclasses
import datetime

from django.conf import settings
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from licensing.models import (
    Activity,
    Application,
    ApplicationKind,
    ApplicationStatus,
    InformationRequestStatus,
    Recommendation,
)
from licensing.models.applications import OPEN_STATUSES
from portal.accounts.models import User
from portal.accounts.roles import StaffRole
from portal.dates import local_today

PAGE_SIZE = 25

# Defaults of the decision service levels (DOMAIN.md); settings may override them.
DEFAULT_DECISION_DAYS = {ApplicationKind.NOC: 60, ApplicationKind.LICENCE: 90}
DECISION_DAYS_SETTING = {
    ApplicationKind.NOC: "PORTAL_NOC_DECISION_DAYS",
    ApplicationKind.LICENCE: "PORTAL_LICENCE_DECISION_DAYS",
}
DEFAULT_NEAR_DEADLINE_DAYS = 7

# While the case is with the regulator the decision clock runs; it stops on information requests.
CLOCK_RUNNING = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.AWAITING_DECISION,
)


def decision_days(kind: str) -> int:
    return int(getattr(settings, DECISION_DAYS_SETTING[kind], DEFAULT_DECISION_DAYS[kind]))


def near_deadline_days() -> int:
    return int(getattr(settings, "PORTAL_QUEUE_NEAR_DEADLINE_DAYS", DEFAULT_NEAR_DEADLINE_DAYS))


def decision_due_on(app: Application) -> datetime.date | None:
    """When the decision is due, while the decision clock runs (else None)."""
    if app.submitted_at is None or app.status not in CLOCK_RUNNING:
        return None
    return timezone.localdate(app.submitted_at) + datetime.timedelta(days=decision_days(app.kind))


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the regulator's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def decision_due_by(day: datetime.date) -> Q:
    """Cases whose decision is due on or before `day`: a range on `submitted_at` per kind."""
    per_kind = Q()
    for kind in ApplicationKind.values:
        submitted_before = _start_of(day - datetime.timedelta(days=decision_days(kind) - 1))
        per_kind |= Q(kind=kind, submitted_at__lt=submitted_before)
    return Q(status__in=CLOCK_RUNNING) & per_kind


# --- Who may see which queue.


def may_review(user) -> bool:
    return user.has_perm("licensing.review_application")


def may_decide(user) -> bool:
    return user.has_perm("licensing.decide_application")


@dataclasses.dataclass(frozen=True)
class Queue:
    slug: str
    label: str
    description: str
    counted: bool = True


QUEUES = (
    Queue("mine", _("Assigned to me"), _("Open cases assigned to you.")),
    Queue("decision", _("Awaiting my decision"), _("Recommended cases you may decide (not your own).")),
    Queue("unassigned", _("Unassigned"), _("Open cases no case officer has taken yet.")),
    Queue(
        "changed",
        _("Changed since I last looked"),
        _("The firm answered or resubmitted after you last opened the case."),
    ),
    Queue("waiting", _("Waiting on the firm"), _("An information request is open.")),
    Queue(
        "deadlines",
        _("Near or past a deadline"),
        _("An information request or the decision is due within %(days)s days, or overdue."),
    ),
    Queue("open", _("All open cases"), _("Every case not yet decided, withdrawn or lapsed.")),
    Queue("all", _("All cases"), _("Every submitted application, open or closed."), counted=False),
)
QUEUES_BY_SLUG = {queue.slug: queue for queue in QUEUES}


def queues_for(user) -> list[Queue]:
    """The queues this person sees: "mine" needs the officer's permission, "awaiting my
    decision" the approver's; read-only roles see the rest."""
    hidden = set()
    if not may_review(user):
        hidden.add("mine")
    if not may_decide(user):
        hidden.add("decision")
    return [queue for queue in QUEUES if queue.slug not in hidden]


def default_queue(user) -> Queue:
    available = {queue.slug for queue in queues_for(user)}
    for slug in ("mine", "decision", "open"):
        if slug in available:
            return QUEUES_BY_SLUG[slug]
    return QUEUES_BY_SLUG["open"]


def queue_description(queue: Queue) -> str:
    return str(queue.description) % {"days": near_deadline_days()}


# --- The queues.


def for_queues(user) -> QuerySet:
    """Every submitted application, joined to what the queues ask about it, for `user`.

    Two LEFT JOINs, each to at most one row (so rows never repeat): this user's `CaseView`
    (unique per user and application) and the open information request (at most one per
    application, a database constraint). Joins rather than correlated subqueries, so the
    planner can hash-join them when counting thousands of open cases."""
    return (
        Application.objects.exclude(status=ApplicationStatus.DRAFT)
        .select_related("firm", "assigned_officer")
        .defer("sections")  # the answers (large JSON) are not shown in a queue
        .annotate(
            my_view=FilteredRelation("views", condition=Q(views__user_id=user.pk)),
            open_request=FilteredRelation(
                "information_requests",
                condition=Q(information_requests__status=InformationRequestStatus.OPEN),
            ),
        )
    )


def with_row_details(qs: QuerySet) -> QuerySet:
    """What a row shows beyond the application's own fields (see `decorate`)."""
    return qs.annotate(
        my_last_viewed_at=F("my_view__last_viewed_at"), open_request_due_on=F("open_request__due_on")
    )


def queue_conditions(user, *, today: datetime.date | None = None) -> dict[str, Q]:
    """One condition per queue, over `for_queues(user)`."""
    today = today or local_today()
    near = today + datetime.timedelta(days=near_deadline_days())
    is_open = Q(status__in=OPEN_STATUSES)
    recommended_by_me = Recommendation.objects.filter(
        application=OuterRef("pk"), is_current=True, officer_id=user.pk
    )
    return {
        "mine": is_open & Q(assigned_officer_id=user.pk),
        "decision": Q(status=ApplicationStatus.AWAITING_DECISION) & ~Exists(recommended_by_me),
        "unassigned": is_open & Q(assigned_officer__isnull=True),
        "changed": is_open
        & Q(firm_changed_at__isnull=False)
        & (Q(my_view__last_viewed_at__isnull=True) | Q(firm_changed_at__gt=F("my_view__last_viewed_at"))),
        "waiting": Q(status=ApplicationStatus.INFORMATION_REQUESTED),
        "deadlines": is_open & (Q(open_request__due_on__lte=near) | decision_due_by(near)),
        "open": is_open,
        "all": Q(),
    }


def queue(slug: str, user, *, today: datetime.date | None = None) -> QuerySet:
    """The applications of one queue (of those `user` may see), unsorted."""
    if slug not in {q.slug for q in queues_for(user)}:
        return Application.objects.none()
    return for_queues(user).filter(queue_conditions(user, today=today)[slug])


def unassigned(user) -> QuerySet:
    return queue("unassigned", user)


def assigned_to(user) -> QuerySet:
    return queue("mine", user)


def awaiting_decision_by(user) -> QuerySet:
    return queue("decision", user)


def waiting_on_firm(user) -> QuerySet:
    return queue("waiting", user)


def changed_since_viewed(user) -> QuerySet:
    return queue("changed", user)


def near_deadline(user, *, today: datetime.date | None = None) -> QuerySet:
    return queue("deadlines", user, today=today)


def queue_counts(user, *, today: datetime.date | None = None) -> dict[str, int]:
    """The size of each counted queue the user sees, in one query over the open cases."""
    conditions = queue_conditions(user, today=today)
    counted = [q.slug for q in queues_for(user) if q.counted]
    return (
        for_queues(user)
        .filter(status__in=OPEN_STATUSES)
        .aggregate(**{slug: Count("pk", filter=conditions[slug]) for slug in counted})
    )


# --- Filters, search and sorting (all optional, from the page's GET parameters).


@dataclasses.dataclass(frozen=True)
class Filters:
    q: str = ""
    kind: str = ""
    status: str = ""
    stage: str = ""
    officer: str = ""  # "" any, "none" no officer, else a user id
    activity: str = ""  # an Activity code
    sort: str = "submitted"


# Sort keys shown to users → the field behind them. "-key" sorts descending.
SORTS = {
    "submitted": "submitted_at",
    "status_changed": "status_changed_at",
    "firm": "firm__legal_name",
}
DEFAULT_SORT = "submitted"


def search(qs: QuerySet, text: str) -> QuerySet:
    """Firm name, trading name, application or firm reference, LEI."""
    text = (text or "").strip()
    if not text:
        return qs
    return qs.filter(
        Q(firm__legal_name__icontains=text)
        | Q(firm__trading_names__icontains=text)
        | Q(reference__icontains=text)
        | Q(firm__reference_number__icontains=text)
        | Q(firm__lei__icontains=text)
    )


def apply_filters(qs: QuerySet, filters: Filters) -> QuerySet:
    qs = search(qs, filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.stage:
        qs = qs.filter(firm__stage=filters.stage)
    if filters.officer == "none":
        qs = qs.filter(assigned_officer__isnull=True)
    elif filters.officer:
        qs = qs.filter(assigned_officer_id=filters.officer)
    if filters.activity:
        through = Application.activities.through
        qs = qs.filter(
            Exists(through.objects.filter(application_id=OuterRef("pk"), activity__code=filters.activity))
        )
    return qs


def apply_sort(qs: QuerySet, sort: str) -> QuerySet:
    key = sort.removeprefix("-")
    field = F(SORTS.get(key, SORTS[DEFAULT_SORT]))
    if sort.startswith("-"):
        return qs.order_by(field.desc(nulls_last=True), "-pk")
    return qs.order_by(field.asc(nulls_last=True), "pk")


def queue_page_queryset(slug: str, user, filters: Filters, *, today=None) -> QuerySet:
    """A queue as the page and the CSV show it: filtered, searched, sorted, with row details."""
    return with_row_details(apply_sort(apply_filters(queue(slug, user, today=today), filters), filters.sort))


# --- What each row shows beyond its fields (computed in Python: no queries).


def decorate(rows, *, today: datetime.date | None = None):
    """Set is_open, days_open, is_changed, next_deadline, is_overdue and is_due_soon on each row."""
    today = today or local_today()
    near = today + datetime.timedelta(days=near_deadline_days())
    for app in rows:
        app.is_open = app.status in OPEN_STATUSES
        app.days_open = days_open(app, today=today)
        app.is_changed = app.is_open and bool(
            app.firm_changed_at
            and (
                getattr(app, "my_last_viewed_at", None) is None or app.firm_changed_at > app.my_last_viewed_at
            )
        )
        due_dates = [
            d
            for d in (getattr(app, "open_request_due_on", None), decision_due_on(app))
            if d is not None and app.is_open
        ]
        app.next_deadline = min(due_dates) if due_dates else None
        app.is_overdue = app.next_deadline is not None and app.next_deadline < today
        app.is_due_soon = app.next_deadline is not None and today <= app.next_deadline <= near
    return rows


def days_open(app: Application, *, today: datetime.date) -> int | None:
    """Days from submission to today, or to the decision / withdrawal for a closed case."""
    if app.submitted_at is None:
        return None
    if app.status in OPEN_STATUSES:
        end = today
    else:
        end = timezone.localdate(app.decided_at or app.status_changed_at)
    return max((end - timezone.localdate(app.submitted_at)).days, 0)


# --- Choices of the filter form.


def case_officers() -> QuerySet:
    return User.objects.filter(is_active=True, groups__name=StaffRole.CASE_OFFICER.value).order_by(
        "full_name", "email"
    )


def activity_choices() -> list[tuple[str, str]]:
    """(code, name in the reader's language) of the active activities."""
    rows = Activity.objects.filter(is_active=True).order_by("name").values_list("code", "name", "name_ur")
    return [(code, Activity.label(code, name, name_ur)) for code, name, name_ur in rows]
