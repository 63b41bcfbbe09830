"""The staff case page: everything the firm submitted, the review so far, the audit
timeline, internal notes and messages to the firm, and the actions allowed now.

Reads are done once each, whatever the number of documents, events or requests, so the
page's query count stays flat as a case grows. State changes go through service functions
only: `licensing.staff.case_services` and `licensing.services`.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from aml.models import AmlRegistration
from licensing.activity import STATE_LABELS
from licensing.models import (
    ApplicationKind,
    Decision,
    Document,
    Firm,
    InformationRequest,
    Licence,
    Noc,
    Recommendation,
)
from licensing.models.applications import OPEN_STATUSES, Application
from licensing.sections import DOCUMENTS, FORM, OWNERS, ApplicationFacts, optional_reverse, sections_for
from licensing.staff.access import staff_required
from licensing.staff.case_actions import APPLICATION_ACTIONS, FIRM_ACTIONS, buttons
from licensing.staff.case_services import (
    MESSAGE_PERMS,
    NOTE_PERMS,
    case_note_add,
    firm_message_send,
)
from licensing.staff.forms_case import CaseNoteForm, FirmMessageForm
from licensing.staff.models import CaseNote, CaseView, FirmMessage
from licensing.staff.services import case_viewed, may_manage_assignments
from licensing.web.views.application import add_domain_errors
from licensing.web.views.documents import document_rows
from portal.audit.models import AuditEvent
from portal.audit.visibility import declared_label
from portal.deadlines.models import Deadline
from portal.errors import DomainError

# Types a browser can show safely inside the page; everything else is download-only.
PREVIEW_TYPES = {"application/pdf": "pdf", "image/png": "image", "image/jpeg": "image"}
# The case page shows the newest TIMELINE_LIMIT events of the firm and the case (the audit
# timeline); "Show the whole timeline" (?timeline=all) shows up to TIMELINE_ALL_LIMIT. Each
# event costs about 0.1 ms to render, and an active case gathers hundreds (docs/BENCHMARKS.md).
TIMELINE_LIMIT = 50
TIMELINE_ALL_LIMIT = 1000
# Firm-side actions that count as "the firm changed something".
FIRM_CHANGE_ACTIONS = (
    "application.save_section",
    "application.submit",
    "application.answer_information_request",
    "key_individual.create",
    "key_individual.update",
    "key_individual.remove",
    "beneficial_owner.create",
    "beneficial_owner.update",
    "beneficial_owner.remove",
    "document.upload",
    "firm.update_profile",
    "foreign_licence.add",
    "foreign_licence.remove",
)


def case_queryset():
    return Application.objects.select_related(
        "firm", "assigned_officer", "created_by", "declaration_signed_by", "call"
    ).prefetch_related(
        "activities",
        Prefetch(
            "information_requests",
            queryset=InformationRequest.objects.select_related("raised_by", "responded_by").order_by(
                "-created_at", "-pk"
            ),
        ),
        Prefetch(
            "recommendations",
            queryset=Recommendation.objects.select_related("officer").order_by("-created_at", "-pk"),
        ),
        Prefetch(
            "decisions",
            queryset=Decision.objects.select_related(
                "approver", "recommended_by", "recommendation", "reversal__reversed_by"
            ).order_by("-created_at", "-pk"),
        ),
    )


def get_case(pk) -> Application:
    return get_object_or_404(case_queryset(), pk=pk)


def event_label(action: str) -> str:
    """The action in plain words, in the reader's language ("Started reviewing an
    application"), as declared in portal.audit.visibility; an unknown code tidied up
    ("Application: start review")."""
    label = declared_label(action)
    if label is not None:
        return capfirst(str(label))
    thing, _dot, verb = action.partition(".")
    thing = thing.replace("_", " ").capitalize()
    return f"{thing}: {verb.replace('_', ' ')}" if verb else thing


@dataclass
class DocumentView:
    """A document as the case page shows it."""

    document: Document
    earlier: list
    is_new: bool
    preview_kind: str  # "pdf", "image" or ""


def _is_new(when, cutoff) -> bool:
    return cutoff is not None and when is not None and when > cutoff


def _document_views(documents, cutoff) -> list[DocumentView]:
    views = []
    for row in document_rows(documents):
        earlier = [
            {
                "document": d,
                "is_new": _is_new(d.uploaded_at, cutoff),
                "preview_kind": PREVIEW_TYPES.get(d.content_type, ""),
            }
            for d in row.earlier
        ]
        doc = row.document
        views.append(
            DocumentView(
                doc, earlier, _is_new(doc.uploaded_at, cutoff), PREVIEW_TYPES.get(doc.content_type, "")
            )
        )
    return views


def _deadlines(app):
    """The case's running or stopped clocks (the decision, the firm's answer to a request)."""
    return list(
        Deadline.objects.live()
        .filter(Q(application=app) | Q(information_request__application=app))
        .select_related("responsible")
        .order_by("due_at", "pk")
    )


def _certificate(app):
    if app.kind == ApplicationKind.NOC:
        return Noc.objects.filter(application=app).first()
    return Licence.objects.filter(application=app).prefetch_related("permitted_activities").first()


def _other_answers(section, app) -> list[dict]:
    """Stored answers the section's form does not ask (older or imported data): shown, not lost."""
    if section.page != FORM or section.form_class is None:
        return []
    known = {*section.form_class.base_fields, "licences"}
    return [
        # Named by the stored key itself (no wording exists for a field no form asks).
        {"label": key, "key": True, "lines": [{"text": str(value), "ltr": False}]}
        for key, value in section.data(app).items()
        if key not in known and value not in (None, "", [])
    ]


def case_context(request, app, *, note_form=None, message_form=None) -> dict:
    user = request.user
    firm = app.firm
    last_viewed = (
        CaseView.objects.filter(user=user, application=app).values_list("last_viewed_at", flat=True).first()
    )
    recommendations = list(app.recommendations.all())
    decisions = list(app.decisions.all())
    requests = list(app.information_requests.all())
    cutoff = last_viewed or (recommendations[0].created_at if recommendations else None)

    # What the firm submitted, section by section (documents have their own panel).
    facts = ApplicationFacts(app)
    section_keys = set()
    sections = []
    for section in sections_for(app.kind):
        section_keys.add(section.page)
        if section.page == DOCUMENTS:
            continue
        sections.append(
            {
                "section": section,
                "status_label": section.status_label(app),
                "status": section.status(app),
                "rows": section.summary_rows(app, facts) + _other_answers(section, app),
            }
        )
    # Owners outside a section of their own (a licence application has none) still show.
    extra_owners = facts.owners if OWNERS not in section_keys else []

    documents = list(
        Document.objects.filter(application=app)
        .select_related("uploaded_by", "information_request")
        .order_by("pk")
    )
    by_request = {}
    for doc in documents:
        if doc.information_request_id:
            by_request.setdefault(doc.information_request_id, []).append(doc)
    for ir in requests:
        ir.attached = by_request.get(ir.pk, [])
        ir.answer_is_new = _is_new(ir.responded_at, cutoff)

    changes = []
    if cutoff is not None:
        changes = list(
            AuditEvent.objects.filter(firm=firm, created_at__gt=cutoff, action__in=FIRM_CHANGE_ACTIONS)
            .order_by("-seq")
            .values("created_at", "actor_label", "action", "object_repr", "details")[:100]
        )
        for change in changes:
            change["label"] = event_label(change["action"])
    changed_sections = {
        (c["details"] or {}).get("section") for c in changes if c["action"] == "application.save_section"
    }
    for block in sections:
        block["changed"] = block["section"].key in changed_sections

    timeline_all = request.GET.get("timeline") == "all"
    timeline_limit = TIMELINE_ALL_LIMIT if timeline_all else TIMELINE_LIMIT
    timeline = list(
        AuditEvent.objects.filter(
            Q(firm=firm) | Q(object_type="licensing.application", object_id=str(app.pk))
        )
        .order_by("-seq")
        .only(
            "seq",
            "created_at",
            "actor_label",
            "action",
            "object_repr",
            "from_state",
            "to_state",
            "reason",
            "object_type",
            "object_id",
        )[: timeline_limit + 1]
    )
    timeline_truncated = len(timeline) > timeline_limit
    timeline = timeline[:timeline_limit]
    for event in timeline:
        event.label = event_label(event.action)
        event.from_label = STATE_LABELS.get(event.from_state, event.from_state)
        event.to_label = STATE_LABELS.get(event.to_state, event.to_state)
        event.on_this_case = event.object_type == "licensing.application" and event.object_id == str(app.pk)

    assign_url = None
    if app.status in OPEN_STATUSES and may_manage_assignments(user)[0]:
        assign_url = optional_reverse("staff_assign", app.pk)
        if assign_url:
            assign_url += "?" + urlencode({"next": reverse("staff_case", args=[app.pk])})
    may_note = any(user.has_perm(p) for p in NOTE_PERMS)
    may_message = any(user.has_perm(p) for p in MESSAGE_PERMS)
    return {
        "app": app,
        "firm": firm,
        "staff_section": "case",
        "actions": buttons(
            APPLICATION_ACTIONS, app, user, lambda a: reverse("staff_case_action", args=[app.pk, a.name])
        ),
        "deadlines": _deadlines(app),
        "open_request": next((ir for ir in requests if ir.status == "open"), None),
        "sections": sections,
        "extra_owners": extra_owners,
        "documents": _document_views(documents, cutoff),
        "information_requests": requests,
        "recommendations": recommendations,
        "current_recommendation": next((r for r in recommendations if r.is_current), None),
        "decisions": decisions,
        "certificate": _certificate(app),
        "is_noc": app.kind == ApplicationKind.NOC,
        "activities": list(app.activities.all()),
        "stage_changes": list(firm.stage_changes.select_related("actor")),
        "timeline": timeline,
        "timeline_truncated": timeline_truncated,
        "timeline_limit": timeline_limit,
        "timeline_all": timeline_all,
        "cutoff": cutoff,
        "cutoff_is_view": last_viewed is not None,
        "changes": changes,
        "firm_changed": _is_new(app.firm_changed_at, cutoff),
        "notes": list(CaseNote.objects.filter(application=app).select_related("author")),
        "firm_messages": list(FirmMessage.objects.filter(application=app).select_related("author")),
        "assign_url": assign_url,
        "may_note": may_note,
        "may_message": may_message,
        "note_form": note_form or CaseNoteForm(),
        "message_form": message_form or FirmMessageForm(),
    }


@staff_required
@require_GET
def staff_case(request, pk):
    app = get_case(pk)
    context = case_context(request, app)
    response = render(request, "staff/case/case.html", context)
    case_viewed(user=request.user, application=app)
    return response


def _require_any(request, perms):
    if not any(request.user.has_perm(p) for p in perms):
        raise PermissionDenied


@staff_required
@require_POST
def staff_case_note(request, pk):
    _require_any(request, NOTE_PERMS)
    app = get_case(pk)
    form = CaseNoteForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            case_note_add(actor=request.user, application_id=app.pk, body=form.cleaned_data["body"])
        except DomainError as error:
            add_domain_errors(form, error)
            status = error.status_code
        else:
            messages.success(request, _("Internal note added. Only regulator staff can see it."))
            return redirect(reverse("staff_case", args=[app.pk]) + "#internal-notes")
    context = case_context(request, app, note_form=form)
    return render(request, "staff/case/case.html", context, status=status)


@staff_required
@require_POST
def staff_case_message(request, pk):
    _require_any(request, MESSAGE_PERMS)
    app = get_case(pk)
    form = FirmMessageForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            firm_message_send(
                actor=request.user,
                application_id=app.pk,
                body=form.cleaned_data["body"],
                confirmed=form.cleaned_data["confirm"],
            )
        except DomainError as error:
            add_domain_errors(form, error)
            status = error.status_code
        else:
            messages.success(request, _("Message sent to the firm. The firm's people can read it."))
            return redirect(reverse("staff_case", args=[app.pk]) + "#messages-to-firm")
    context = case_context(request, app, message_form=form)
    return render(request, "staff/case/case.html", context, status=status)


@staff_required
@require_GET
@xframe_options_sameorigin
def staff_document_preview(request, pk):
    """A PDF or image shown inside the case page. Served inline, sandboxed, never sniffed;
    any other type has no preview (download it with `document_download`)."""
    document = Document.objects.visible_to(request.user).filter(pk=pk).first()
    if document is None or not document.file or document.content_type not in PREVIEW_TYPES:
        raise Http404
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=False, filename=document.original_name, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    )
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# --- The firm page.


@staff_required
@require_GET
def staff_firm(request, pk):
    firm = get_object_or_404(Firm.objects.all(), pk=pk)
    aml_registration = AmlRegistration.objects.filter(firm=firm).first()
    context = {
        "firm": firm,
        "staff_section": "case",
        "actions": buttons(
            FIRM_ACTIONS, firm, request.user, lambda a: reverse("staff_firm_action", args=[firm.pk, a.name])
        ),
        "stage_changes": list(firm.stage_changes.select_related("actor")),
        "nocs": list(firm.nocs.select_related("application")),
        "licences": list(
            firm.licences.select_related("application").prefetch_related("permitted_activities")
        ),
        "applications": list(firm.applications.select_related("assigned_officer").order_by("-created_at")),
        "foreign_licences": list(firm.foreign_licences.all()),
        "aml_registration": aml_registration,
        "timeline": [
            {**e, "label": event_label(e["action"])}
            for e in AuditEvent.objects.filter(firm=firm)
            .order_by("-seq")
            .values("created_at", "actor_label", "action", "object_repr", "from_state", "to_state", "reason")[
                :50
            ]
        ],
    }
    return render(request, "staff/case/firm.html", context)
