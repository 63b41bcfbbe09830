"""The applicant's pages after submission: status and timeline, information requests and
answers, withdrawal, and the NOC or licence once granted.

Status names and timeline entries are written for the firm: the officer's recommendation,
its reasons and any other staff-only step are never shown (a case awaiting decision is
"Being reviewed", as it is while the officer works on it).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from licensing.models import (
    ApplicationKind,
    ApplicationStatus,
    DocumentType,
    InformationRequest,
    InformationRequestStatus,
    Licence,
    Noc,
)
from licensing.models.applications import OPEN_STATUSES
from licensing.permissions import ANSWER, WITHDRAW, can_for_firm
from licensing.services.applications import application_withdraw, information_request_answer
from licensing.services.documents import document_upload
from licensing.uploads import check_upload, human_size
from licensing.web.firm_context import require_membership
from licensing.web.forms_documents import InformationRequestAnswerForm, WithdrawForm
from licensing.web.views.application import add_domain_errors, application_for
from licensing.web.views.documents import application_overview_url
from portal.audit.models import AuditEvent
from portal.dates import local_today
from portal.errors import DomainError

# What the firm sees for each application status; the status value used for the tag's
# colour is the one shown, so "awaiting decision" cannot be told apart by colour either.
APPLICANT_STATUS = {
    ApplicationStatus.DRAFT: ("draft", gettext_lazy("Draft: not sent yet")),
    ApplicationStatus.SUBMITTED: ("submitted", gettext_lazy("Received")),
    ApplicationStatus.UNDER_REVIEW: ("under_review", gettext_lazy("Being reviewed")),
    ApplicationStatus.INFORMATION_REQUESTED: (
        "information_requested",
        gettext_lazy("We need more information from you"),
    ),
    ApplicationStatus.AWAITING_DECISION: ("under_review", gettext_lazy("Being reviewed")),
    ApplicationStatus.APPROVED: ("approved", gettext_lazy("Approved")),
    ApplicationStatus.REFUSED: ("refused", gettext_lazy("Refused")),
    ApplicationStatus.WITHDRAWN: ("withdrawn", gettext_lazy("Withdrawn")),
    ApplicationStatus.LAPSED: ("lapsed", gettext_lazy("Lapsed")),
}

STATUS_EXPLANATION = {
    ApplicationStatus.DRAFT: gettext_lazy("You have not sent this application yet."),
    ApplicationStatus.SUBMITTED: gettext_lazy(
        "We have received your application. A case officer will start reviewing it soon."
    ),
    ApplicationStatus.UNDER_REVIEW: gettext_lazy(
        "A case officer is reviewing your application. We will contact you if we need anything."
    ),
    ApplicationStatus.INFORMATION_REQUESTED: gettext_lazy(
        "We cannot continue until you answer our information request. "
        "The review clock is stopped while the request is open."
    ),
    ApplicationStatus.AWAITING_DECISION: gettext_lazy(
        "A case officer is reviewing your application. We will contact you if we need anything."
    ),
    ApplicationStatus.APPROVED: gettext_lazy("Your application was approved."),
    ApplicationStatus.REFUSED: gettext_lazy(
        "Your application was refused. We will write to you with the reasons and how to appeal."
    ),
    ApplicationStatus.WITHDRAWN: gettext_lazy("You withdrew this application. It will not be decided."),
    ApplicationStatus.LAPSED: gettext_lazy(
        "This application lapsed because an information request was not answered by its due date."
    ),
}

# Firm actions name the person who took them; the regulator's are "us", never a named officer.
_FIRM_ACTIONS = {
    "application.create": gettext_lazy("Application started"),
    "application.submit": gettext_lazy("Application sent to the regulator"),
    "application.answer_information_request": gettext_lazy("You answered our information request"),
    "application.withdraw": gettext_lazy("Application withdrawn"),
}
_REGULATOR_ACTIONS = {
    "application.start_review": gettext_lazy("We started reviewing your application"),
    "application.request_information": gettext_lazy("We asked you for more information"),
    "application.approve": gettext_lazy("Application approved"),
    "application.refuse": gettext_lazy("Application refused"),
    "application.lapse": gettext_lazy(
        "Application lapsed: the information request was not answered by its due date"
    ),
}
TIMELINE_ACTIONS = (*_FIRM_ACTIONS, *_REGULATOR_ACTIONS)


@dataclass
class TimelineEntry:
    when: object
    title: str
    by: str = ""
    note: str = ""


def applicant_status(app) -> tuple[str, str]:
    """(tag value, label) as the firm sees the application's status."""
    return APPLICANT_STATUS[app.status]


def timeline_for(app) -> list[TimelineEntry]:
    events = (
        AuditEvent.objects.for_object(app)
        .firm_visible()
        .filter(action__in=TIMELINE_ACTIONS)
        .select_related("actor")
        .order_by("seq")
    )
    entries = []
    for event in events:
        if event.action in _FIRM_ACTIONS:
            entry = TimelineEntry(
                event.created_at,
                str(_FIRM_ACTIONS[event.action]),
                by=str(event.actor) if event.actor else "",
            )
            if event.action == "application.submit" and event.details.get("reference"):
                entry.note = _("Reference: %(ref)s") % {"ref": event.details["reference"]}
            elif event.action == "application.withdraw" and event.reason:
                entry.note = _("Reason given: %(reason)s") % {"reason": event.reason}
        else:
            entry = TimelineEntry(event.created_at, str(_REGULATOR_ACTIONS[event.action]))
            due = parse_date(str(event.details.get("due_on") or ""))
            if event.action == "application.request_information" and due:
                entry.note = _("Answer by %(date)s") % {"date": date_format(due, "j F Y")}
        entries.append(entry)
    return entries


def _with_overdue(requests, today):
    for ir in requests:
        ir.is_overdue = ir.status == InformationRequestStatus.OPEN and ir.due_on < today
    return requests


def _open_first(queryset):
    return queryset.annotate(
        open_rank=Case(
            When(status=InformationRequestStatus.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_rank", "due_on", "-created_at")


def _certificate(app):
    """The NOC or licence the application produced, or None."""
    if app.status != ApplicationStatus.APPROVED:
        return None
    if app.kind == ApplicationKind.NOC:
        return Noc.objects.filter(application=app).select_related("certificate").first()
    return (
        Licence.objects.filter(application=app)
        .select_related("certificate")
        .prefetch_related("permitted_activities")
        .first()
    )


@login_required
@require_GET
def application_status(request, pk):
    app = application_for(request, pk)
    tag_value, label = applicant_status(app)
    requests = _with_overdue(list(_open_first(app.information_requests.all())), local_today())
    can_withdraw, why_not_withdraw = can_for_firm(request.user, app.firm, WITHDRAW)
    return render(
        request,
        "applicant/status/status.html",
        {
            "app": app,
            "status_value": tag_value,
            "status_label": label,
            "status_explanation": STATUS_EXPLANATION[app.status],
            "timeline": timeline_for(app),
            "information_requests": requests,
            "withdrawable": app.status in (ApplicationStatus.DRAFT, *OPEN_STATUSES),
            "can_withdraw": can_withdraw,
            "why_not_withdraw": why_not_withdraw,
            "certificate": _certificate(app),
            "is_noc": app.kind == ApplicationKind.NOC,
            "overview_url": application_overview_url(app),
        },
    )


@login_required
@require_GET
def information_requests(request):
    membership = require_membership(request)
    requests = _with_overdue(
        list(
            _open_first(
                InformationRequest.objects.filter(application__firm=membership.firm).select_related(
                    "application"
                )
            )
        ),
        local_today(),
    )
    return render(
        request,
        "applicant/status/inbox.html",
        {
            "information_requests": requests,
            "open_count": sum(1 for ir in requests if ir.status == InformationRequestStatus.OPEN),
        },
    )


def _check_files(files) -> list[str]:
    """Every refusal among `files`, so one answer reports all its bad files at once."""
    problems = []
    for uploaded in files:
        try:
            check_upload(uploaded)
        except DomainError as error:
            problems.append(error.detail)
    return problems


@login_required
@require_http_methods(["GET", "POST"])
def information_request_detail(request, pk, ir_pk):
    app = application_for(request, pk)
    ir = get_object_or_404(
        InformationRequest.objects.filter(application=app).select_related("responded_by"), pk=ir_pk
    )
    can_answer, why_not = can_for_firm(request.user, app.firm, ANSWER)
    answerable = ir.status == InformationRequestStatus.OPEN and can_answer
    limit_label = human_size(settings.PORTAL_UPLOAD_MAX_BYTES)
    form = InformationRequestAnswerForm(limit_label=limit_label) if answerable else None

    if request.method == "POST":
        if not answerable:
            messages.error(
                request,
                why_not
                if ir.status == InformationRequestStatus.OPEN
                else _("This information request is no longer open: it cannot be answered."),
            )
            return redirect("information_request_detail", pk=app.pk, ir_pk=ir.pk)
        form = InformationRequestAnswerForm(request.POST, request.FILES, limit_label=limit_label)
        if form.is_valid():
            files = form.cleaned_data["files"]
            problems = _check_files(files)
            for problem in problems:
                form.add_error("files", problem)
            if not problems:
                try:
                    # One transaction: a refused file or a changed case leaves nothing behind.
                    with transaction.atomic():
                        for uploaded in files:
                            document_upload(
                                actor=request.user,
                                application_id=app.pk,
                                doc_type=form.cleaned_data["doc_type"] or DocumentType.RESPONSE,
                                uploaded_file=uploaded,
                                information_request_id=ir.pk,
                            )
                        information_request_answer(
                            actor=request.user,
                            application_id=app.pk,
                            response=form.cleaned_data["response"],
                        )
                except DomainError as error:
                    add_domain_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("Your answer was sent. The case officer was told that your application changed."),
                    )
                    return redirect("information_request_detail", pk=app.pk, ir_pk=ir.pk)
        if form.errors and request.FILES:
            form.add_error(None, _("For your safety, browsers forget chosen files: choose them again."))

    return render(
        request,
        "applicant/status/information_request.html",
        {
            "app": app,
            "ir": ir,
            "is_overdue": ir.status == InformationRequestStatus.OPEN and ir.due_on < local_today(),
            "documents": list(ir.documents.select_related("uploaded_by").order_by("pk")),
            "form": form,
            "can_answer": can_answer,
            "why_not": why_not,
            "limit_label": limit_label,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw_view(request, pk):
    app = application_for(request, pk)
    can_withdraw, why_not = can_for_firm(request.user, app.firm, WITHDRAW)
    withdrawable = app.status in (ApplicationStatus.DRAFT, *OPEN_STATUSES)
    # Bound on every POST (an empty one too), so a refusal below has a form to attach to.
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and can_withdraw and withdrawable and form.is_valid():
        try:
            application_withdraw(
                actor=request.user, application_id=app.pk, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Your application was withdrawn."))
            return redirect("application_status", pk=app.pk)
    elif request.method == "POST" and not (can_withdraw and withdrawable):
        form.is_valid()  # add_error needs the cleaned data; the answer is the refusal either way
        form.add_error(None, why_not or _("This application can no longer be withdrawn."))
    tag_value, label = applicant_status(app)
    return render(
        request,
        "applicant/status/withdraw.html",
        {
            "app": app,
            "form": form,
            "can_withdraw": can_withdraw,
            "why_not": why_not,
            "withdrawable": withdrawable,
            "status_value": tag_value,
            "status_label": label,
            "has_open_request": app.status == ApplicationStatus.INFORMATION_REQUESTED,
        },
    )
