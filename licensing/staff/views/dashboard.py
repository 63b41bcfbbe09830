"""The staff dashboard (figures as charts with their tables) and the register of decisions
as CSV. Figures come from licensing.staff.stats; charts from licensing.staff.charts."""

import csv
from dataclasses import asdict

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language_bidi, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from licensing.models import ApplicationKind, ApplicationStatus, Decision
from licensing.models.applications import OPEN_STATUSES, DecisionOutcome
from licensing.staff import stats as figures
from licensing.staff.access import staff_required
from licensing.staff.charts import Series, bar_chart, default_format

KIND_SHORT = {
    ApplicationKind.NOC: gettext_lazy("NOC"),
    ApplicationKind.LICENCE: gettext_lazy("Licence"),
}
KIND_COLOUR = {ApplicationKind.NOC: "brand", ApplicationKind.LICENCE: "info"}


def _percent(value):
    return "–" if value is None else f"{default_format(value)}%"


def _days(value):
    return "–" if value is None else default_format(value)


def _kind_label(kind):
    return KIND_SHORT.get(kind, _("All applications") if kind == "all" else kind)


def _pipeline(stats, rtl):
    rows = [
        {
            "status": status,
            "label": ApplicationStatus(status).label,
            "is_open": status in OPEN_STATUSES,
            "counts": [stats.pipeline.get((status, kind), 0) for kind in figures.KINDS],
            "total": stats.pipeline_total(status=status),
        }
        for status in figures.STATUSES
    ]
    totals = [stats.pipeline_total(kind=kind) for kind in figures.KINDS]
    chart = bar_chart(
        chart_id="chart-pipeline",
        title=_("Applications by status and kind"),
        description=_(
            "Horizontal bars: the number of applications in each status, one bar for NOC "
            "applications and one for licence applications. %(total)s applications in all, "
            "%(open)s of them open. The table beside the chart gives the same numbers."
        )
        % {"total": stats.pipeline_total(), "open": stats.open_applications},
        categories=[r["label"] for r in rows],
        series=[
            Series(str(KIND_SHORT[kind]), [r["counts"][i] for r in rows], KIND_COLOUR[kind])
            for i, kind in enumerate(figures.KINDS)
        ],
        rtl=rtl,
    )
    return {"rows": rows, "totals": totals, "total": stats.pipeline_total(), "chart": chart}


def _decisions(stats, rtl):
    rows = [
        {
            "outcome": outcome,
            "label": DecisionOutcome(outcome).label,
            "counts": [stats.decisions_this_month.get((outcome, kind), 0) for kind in figures.KINDS],
            "total": stats.decisions_total(outcome=outcome),
        }
        for outcome in figures.OUTCOMES
    ]
    decided = stats.decisions_total(DecisionOutcome.GRANT) + stats.decisions_total(DecisionOutcome.REFUSE)
    chart = bar_chart(
        chart_id="chart-decisions",
        title=_("Decisions this month by outcome and kind"),
        description=_(
            "Horizontal bars: approvers' decisions since %(start)s, by outcome, one bar for NOC "
            "and one for licence applications. %(decided)s applications decided (granted or "
            "refused). The table beside the chart gives the same numbers."
        )
        % {"start": stats.month_start.isoformat(), "decided": decided},
        categories=[r["label"] for r in rows],
        series=[
            Series(str(KIND_SHORT[kind]), [r["counts"][i] for r in rows], KIND_COLOUR[kind])
            for i, kind in enumerate(figures.KINDS)
        ],
        rtl=rtl,
    )
    return {"rows": rows, "decided": decided, "chart": chart}


def _timing(stats, rtl):
    rows = []
    for kind in (*figures.KINDS, "all"):
        t = stats.timing[kind]
        share = None if t.share_within is None else 100 * t.share_within
        rows.append(
            {
                "kind": kind,
                "label": _kind_label(kind),
                "deadline_days": t.deadline_days if kind != "all" else None,
                "decided": t.decided,
                "within": t.within_deadline,
                "median": t.median_days,
                "p90": t.p90_days,
                "share": share,
                "share_text": _percent(share),
                "median_text": _days(t.median_days),
                "p90_text": _days(t.p90_days),
            }
        )
    labels = [str(r["label"]) for r in rows]
    days_chart = bar_chart(
        chart_id="chart-days",
        title=_("Days from submission to decision"),
        description=_(
            "Horizontal bars: the median and the 90th percentile of calendar days from submission "
            "to decision, for NOC applications (deadline %(noc)s days), licence applications "
            "(deadline %(licence)s days) and all. The table beside the chart gives the same numbers."
        )
        % {"noc": stats.deadline_days["noc"], "licence": stats.deadline_days["licence"]},
        categories=labels,
        series=[
            Series(_("Median"), [r["median"] for r in rows], "brand"),
            Series(_("90th percentile"), [r["p90"] for r in rows], "info"),
        ],
        value_format=_days,
        max_value=max(stats.deadline_days.values()),  # the scale reaches the longer deadline
        rtl=rtl,
    )
    share_chart = bar_chart(
        chart_id="chart-within",
        title=_("Share decided within the statutory deadline"),
        description=_(
            "Horizontal bars on a scale of 0 to 100 per cent: the share of decided applications "
            "decided within the statutory deadline, counted in calendar days from submission. "
            "The table beside the chart gives the same numbers."
        ),
        categories=labels,
        series=[Series(_("Within the deadline"), [r["share"] for r in rows], "success")],
        value_format=_percent,
        max_value=100,
        rtl=rtl,
    )
    return {"rows": rows, "days_chart": days_chart, "share_chart": share_chart}


def _overdue(stats, rtl):
    rows = [
        {
            "label": _("Information requests past their due date"),
            "short": _("Information requests"),
            "count": stats.overdue_requests,
        },
        *[
            {
                "label": _("%(kind)s applications open more than %(days)s days")
                % {"kind": KIND_SHORT[kind], "days": stats.deadline_days[kind]},
                "short": _("%(kind)s applications") % {"kind": KIND_SHORT[kind]},
                "count": stats.overdue_applications.get(kind, 0),
            }
            for kind in figures.KINDS
        ],
    ]
    chart = bar_chart(
        chart_id="chart-overdue",
        title=_("Overdue items"),
        description=_(
            "Horizontal bars: open information requests past their due date, and open applications "
            "past their decision deadline, by kind. The table beside the chart gives the same numbers."
        ),
        categories=[r["short"] for r in rows],
        series=[Series(_("Overdue"), [r["count"] for r in rows], "error")],
        rtl=rtl,
    )
    return {
        "rows": rows,
        "total": stats.overdue_requests + stats.overdue_applications_total,
        "chart": chart,
        "requests": [
            {**asdict(item), "kind_label": KIND_SHORT.get(item.kind, item.kind)}
            for item in stats.overdue_request_items
        ],
        "applications": [
            {
                **asdict(item),
                "kind_label": KIND_SHORT.get(item.kind, item.kind),
                "status_label": ApplicationStatus(item.status).label,
            }
            for item in stats.overdue_application_items
        ],
        "more_requests": stats.overdue_requests > len(stats.overdue_request_items),
        "more_applications": stats.overdue_applications_total > len(stats.overdue_application_items),
    }


def _workload(stats, rtl):
    rows = [
        {
            "name": load.name or _("Not assigned"),
            "assigned": load.officer_id is not None,
            "open": load.open,
            "information_requested": load.information_requested,
            "awaiting_decision": load.awaiting_decision,
            "past_deadline": load.past_deadline,
        }
        for load in stats.workload
    ]
    chart = None
    if rows:
        chart = bar_chart(
            chart_id="chart-workload",
            title=_("Open cases per case officer"),
            description=_(
                "Horizontal bars: for each case officer, the open cases assigned to them and how "
                "many of those are past their decision deadline. The table beside the chart gives "
                "the same numbers."
            ),
            categories=[r["name"] for r in rows],
            series=[
                Series(_("Open cases"), [r["open"] for r in rows], "brand"),
                Series(_("Past the deadline"), [r["past_deadline"] for r in rows], "error"),
            ],
            rtl=rtl,
        )
    return {"rows": rows, "chart": chart}


@require_GET
@staff_required
def dashboard(request):
    stats = figures.dashboard_stats()
    rtl = get_language_bidi()
    overall = stats.timing["all"]
    context = {
        "staff_section": "dashboard",
        "stats": stats,
        "kinds": [KIND_SHORT[kind] for kind in figures.KINDS],
        "cache_seconds": figures.cache_seconds(),
        "headline": {
            "open": stats.open_applications,
            "decided_this_month": stats.decisions_total(DecisionOutcome.GRANT)
            + stats.decisions_total(DecisionOutcome.REFUSE),
            "median": _days(overall.median_days),
            "within": _percent(None if overall.share_within is None else 100 * overall.share_within),
            "overdue": stats.overdue_requests + stats.overdue_applications_total,
        },
        "pipeline": _pipeline(stats, rtl),
        "decisions": _decisions(stats, rtl),
        "timing": _timing(stats, rtl),
        "overdue": _overdue(stats, rtl),
        "workload": _workload(stats, rtl),
    }
    return render(request, "staff/dashboard/dashboard.html", context)


# --- The register of decisions as CSV.

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP: CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def decisions_register_rows():
    """The header, then every decision, oldest first, in one query (streamed in chunks)."""
    yield [
        _("Decision date"),
        _("Application reference"),
        _("Firm"),
        _("Firm reference"),
        _("Kind"),
        _("Outcome"),
        _("Approver"),
        _("Recommended by"),
        _("Reversed on"),
    ]
    decisions = (
        Decision.objects.select_related("application__firm", "approver", "recommended_by", "reversal")
        .order_by("created_at", "pk")
        .iterator(chunk_size=2000)
    )
    for d in decisions:
        reversal = getattr(d, "reversal", None)
        yield [
            timezone.localtime(d.created_at).date().isoformat(),
            d.application.reference or "",
            d.application.firm.legal_name,
            d.application.firm.reference_number or "",
            KIND_SHORT.get(d.application.kind, d.application.kind),
            d.get_outcome_display(),
            d.approver.get_full_name(),
            d.recommended_by.get_full_name(),
            timezone.localtime(reversal.created_at).date().isoformat() if reversal else "",
        ]


@require_GET
@staff_required
def decisions_csv(request):
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # byte-order mark: spreadsheets then read the file as UTF-8
        for row in decisions_register_rows():
            yield writer.writerow([csv_safe(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"decisions-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
