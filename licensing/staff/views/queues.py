"""The work queues: a tab per queue with its count, a filtered, searched, sorted and
paginated table of cases (every state is a link: GET parameters only), its CSV export, and
assigning cases.

Everyone on the regulator's staff may look (read-only supervisors and AML officers too);
only case officers and approvers may assign, through licensing.staff.services.
"""

import csv
import dataclasses

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from licensing.models.applications import OPEN_STATUSES
from licensing.staff import queries
from licensing.staff.access import case_for_staff, staff_required
from licensing.staff.forms_queues import AssignForm, QueueFilterForm
from licensing.staff.models import AssignmentChange
from licensing.staff.services import (
    application_assign,
    application_unassign,
    can_assign,
    is_case_officer,
    may_manage_assignments,
)
from licensing.web.views.application import add_domain_errors
from portal.dates import local_today
from portal.errors import DomainError

# --- Reading the page's state from its GET parameters.


@dataclasses.dataclass
class QueueState:
    queue: queries.Queue
    queues: list
    form: QueueFilterForm
    filters: queries.Filters

    def params(self, **changes) -> dict:
        """The parameters of this state (defaults left out), with `changes` applied."""
        params = {"queue": self.queue.slug}
        params.update({k: v for k, v in dataclasses.asdict(self.filters).items() if v})
        if params.get("sort") == queries.DEFAULT_SORT:
            del params["sort"]
        params.update(changes)
        return {k: v for k, v in params.items() if v not in ("", None)}

    def url(self, name="staff_queues", **changes) -> str:
        return f"{reverse(name)}?{urlencode(self.params(**changes))}"

    @property
    def is_filtered(self) -> bool:
        filters = dataclasses.replace(self.filters, sort=queries.DEFAULT_SORT)
        return filters != queries.Filters()


def read_state(request) -> QueueState:
    user = request.user
    queues = queries.queues_for(user)
    wanted = request.GET.get("queue", "")
    queue = next((q for q in queues if q.slug == wanted), None) or queries.default_queue(user)
    form = QueueFilterForm(
        request.GET or None,
        officers=list(queries.case_officers()),
        activities=queries.activity_choices(),
    )
    return QueueState(queue=queue, queues=queues, form=form, filters=form.filters())


def case_url(pk: int) -> str:
    """The case page (its URL name belongs to the case page's module)."""
    try:
        return reverse("staff_case", args=[pk])
    except NoReverseMatch:
        return f"/staff/cases/{pk}/"


# --- The queue page.

SORTABLE_COLUMNS = {
    "firm": gettext_lazy("Firm"),
    "submitted": gettext_lazy("Submitted"),
    "status_changed": gettext_lazy("Status since"),
}


def _sort_links(state: QueueState) -> dict:
    links = {}
    for key, label in SORTABLE_COLUMNS.items():
        current = state.filters.sort
        if current == key:
            direction, target = "ascending", f"-{key}"
        elif current == f"-{key}":
            direction, target = "descending", key
        else:
            direction, target = "none", key
        links[key] = {"label": label, "url": state.url(sort=target), "aria_sort": direction}
    return links


def _page_links(state: QueueState, page) -> list[dict]:
    links = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == page.paginator.ELLIPSIS:
            links.append({"ellipsis": True})
        else:
            links.append({"number": number, "url": state.url(page=number), "current": number == page.number})
    return links


@staff_required
@require_GET
def queue_page(request):
    user = request.user
    state = read_state(request)
    today = local_today()
    queryset = queries.queue_page_queryset(state.queue.slug, user, state.filters, today=today)
    page = Paginator(queryset, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = queries.decorate(list(page.object_list), today=today)
    may_assign, _why = may_manage_assignments(user)
    here = request.get_full_path()
    for row in rows:
        row.case_url = case_url(row.pk)
        row.assign_url = f"{reverse('staff_assign', args=[row.pk])}?{urlencode({'next': here})}"
    counts = queries.queue_counts(user, today=today)
    tabs = [
        {
            "queue": queue,
            "count": counts.get(queue.slug),
            "url": state.url(queue=queue.slug, page=None),
            "current": queue == state.queue,
        }
        for queue in state.queues
    ]
    context = {
        "staff_section": "queues",
        "state": state,
        "queue": state.queue,
        "queue_description": queries.queue_description(state.queue),
        "tabs": tabs,
        "counts": counts,
        "form": state.form,
        "page": page,
        "rows": rows,
        "page_links": _page_links(state, page),
        "previous_url": state.url(page=page.previous_page_number()) if page.has_previous() else "",
        "next_url": state.url(page=page.next_page_number()) if page.has_next() else "",
        "sort_links": _sort_links(state),
        "csv_url": state.url("staff_queue_csv", page=None),
        "clear_url": f"{reverse('staff_queues')}?{urlencode({'queue': state.queue.slug})}",
        "may_assign": may_assign,
        "may_take": may_assign and is_case_officer(user),
        "here": here,
        "today": today,
        "near_days": queries.near_deadline_days(),
    }
    return render(request, "staff/queues/index.html", context)


# --- CSV export of the same state (every page, not only the one shown).

CSV_HEADER = (
    gettext_lazy("Reference"),
    gettext_lazy("Firm"),
    gettext_lazy("Trading names"),
    gettext_lazy("LEI"),
    gettext_lazy("Kind"),
    gettext_lazy("Status"),
    gettext_lazy("Status since"),
    gettext_lazy("Case officer"),
    gettext_lazy("Submitted"),
    gettext_lazy("Days open"),
    gettext_lazy("Changed since I last looked"),
    gettext_lazy("Next deadline"),
    gettext_lazy("Overdue"),
)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _date(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localdate(value)
    return value.isoformat()


def csv_row(app) -> list[str]:
    yes_no = {True: _("yes"), False: _("no")}
    cells = [
        app.reference,
        app.firm.legal_name,
        "; ".join(app.firm.trading_names or []),
        app.firm.lei,
        app.get_kind_display(),
        app.get_status_display(),
        _date(app.status_changed_at),
        app.assigned_officer or "",
        _date(app.submitted_at),
        app.days_open,
        yes_no[app.is_changed],
        _date(app.next_deadline),
        yes_no[app.is_overdue],
    ]
    return [csv_cell(cell) for cell in cells]


class _Echo:
    """A file-like object whose write() returns what it is given (for streaming)."""

    def write(self, value):
        return value


@staff_required
@require_GET
def queue_csv(request):
    state = read_state(request)
    today = local_today()
    queryset = queries.queue_page_queryset(state.queue.slug, request.user, state.filters, today=today)
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # a byte-order mark, so spreadsheet programs read UTF-8
        yield writer.writerow([csv_cell(str(title)) for title in CSV_HEADER])
        for app in queryset.iterator(chunk_size=500):
            queries.decorate([app], today=today)
            yield writer.writerow(csv_row(app))

    # The name is built from a known queue slug and a date only: nothing the user typed.
    filename = f"queue-{state.queue.slug}-{today.isoformat()}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Assigning a case.


def _safe_next(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/staff/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("staff_queues")


def _officer_choices(user, app, officers):
    """Whom this person may give the case to (the service checks again)."""
    if user.has_perm("licensing.decide_application") or app.assigned_officer_id == user.pk:
        return officers
    return [officer for officer in officers if officer.pk == user.pk]


def _holder_value(app) -> str:
    return str(app.assigned_officer_id) if app.assigned_officer_id else "none"


def _assign_done_message(app, previous, action) -> str:
    if action == AssignForm.UNASSIGN:
        return _("%(case)s is no longer assigned to %(officer)s.") % {
            "case": app.reference,
            "officer": previous,
        }
    return _("%(case)s is now assigned to %(officer)s.") % {
        "case": app.reference,
        "officer": app.assigned_officer,
    }


@staff_required
@require_http_methods(["GET", "POST"])
def assign(request, pk):
    user = request.user
    app = case_for_staff(request, pk)
    may, why_not = may_manage_assignments(user)
    if request.method == "POST" and not may:
        raise PermissionDenied(why_not)
    officers = list(queries.case_officers())
    next_url = _safe_next(request)
    status = 200
    if request.method == "POST":
        form = AssignForm(request.POST, officers=_officer_choices(user, app, officers))
        if form.is_valid():
            action = form.cleaned_data["action"]
            previous = app.assigned_officer
            try:
                if action == AssignForm.UNASSIGN:
                    app = application_unassign(
                        actor=user,
                        application_id=app.pk,
                        reason=form.cleaned_data["reason"],
                        expected_officer_id=form.expected_officer_id(),
                    )
                else:
                    app = application_assign(
                        actor=user,
                        application_id=app.pk,
                        officer_id=form.cleaned_data["officer"],
                        reason=form.cleaned_data["reason"],
                        expected_officer_id=form.expected_officer_id(),
                    )
            except DomainError as error:
                status = error.status_code
                app = case_for_staff(request, pk)
                data = request.POST.copy()
                data["expected_officer"] = _holder_value(app)  # what the page now shows
                form = AssignForm(data, officers=_officer_choices(user, app, officers))
                form.is_valid()
                add_domain_errors(form, error)
            else:
                messages.success(request, _assign_done_message(app, previous, action))
                return redirect(next_url)
    else:
        initial_officer = app.assigned_officer_id
        if initial_officer is None and is_case_officer(user):
            initial_officer = user.pk
        form = AssignForm(
            initial={"officer": initial_officer, "expected_officer": _holder_value(app), "next": next_url},
            officers=_officer_choices(user, app, officers),
        )
    if may:
        may_act, why_not = can_assign(user, app, user.pk)
        if app.status not in OPEN_STATUSES:
            may_act, why_not = False, _("Only an open case can be assigned.")
    else:
        may_act = False
    history = AssignmentChange.objects.filter(application=app).select_related(
        "from_officer", "to_officer", "changed_by"
    )[:20]
    context = {
        "staff_section": "queues",
        "app": app,
        "form": form,
        "may_act": may_act,
        "why_not": why_not,
        "history": history,
        "next_url": next_url,
        "case_url": case_url(app.pk),
    }
    return render(request, "staff/queues/assign.html", context, status=status)
