"""The documents section of an application (upload, versions) and the secure download.

Files are never served from a public URL: every download passes `document_download`,
which checks that the person belongs to the document's firm or is regulator staff.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from licensing.models import ApplicationStatus, Document, DocumentType
from licensing.permissions import EDIT, can_for_firm
from licensing.services.documents import (
    REQUIRED_DOCUMENT_TYPES,
    document_upload,
    documents_section_complete,
)
from licensing.uploads import human_size
from licensing.web.forms_documents import DocumentUploadForm
from licensing.web.views.application import add_domain_errors, application_for
from portal.errors import DomainError


def application_overview_url(app) -> str:
    """Where "back to your application" goes: the task list for a draft, else the status page."""
    name = "application_detail" if app.status == ApplicationStatus.DRAFT else "application_status"
    return reverse(name, args=[app.pk])


@dataclass
class DocumentRow:
    document: Document
    earlier: list = field(default_factory=list)


_TYPE_ORDER = {value: index for index, value in enumerate(DocumentType.values)}


def document_rows(documents) -> list[DocumentRow]:
    """Current documents, each with its earlier versions (newest first), from one list."""
    by_id = {d.pk: d for d in documents}
    superseded = {d.supersedes_id for d in documents if d.supersedes_id}
    rows = []
    for doc in documents:
        if doc.pk in superseded:
            continue
        row = DocumentRow(doc)
        previous = by_id.get(doc.supersedes_id)
        while previous is not None:
            row.earlier.append(previous)
            previous = by_id.get(previous.supersedes_id)
        rows.append(row)
    rows.sort(key=lambda r: (_TYPE_ORDER.get(r.document.doc_type, 99), r.document.uploaded_at))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def application_documents(request, pk):
    app = application_for(request, pk)
    can_edit, why_not = can_for_firm(request.user, app.firm, EDIT)
    is_draft = app.status == ApplicationStatus.DRAFT
    limit_label = human_size(settings.PORTAL_UPLOAD_MAX_BYTES)

    documents = list(app.documents.select_related("uploaded_by", "information_request").order_by("pk"))
    rows = document_rows(documents)
    current_by_pk = {row.document.pk: row.document for row in rows}

    replacing = None
    wanted = request.POST.get("replaces") if request.method == "POST" else request.GET.get("replace")
    if wanted:
        try:
            replacing = current_by_pk.get(int(wanted))
        except (TypeError, ValueError):
            replacing = None
        if replacing is not None and replacing.information_request_id is not None:
            replacing = None  # documents sent with an answer stay as they were sent

    form = DocumentUploadForm(limit_label=limit_label, replacing=replacing)
    complete_errors = []
    if request.method == "POST":
        if request.POST.get("action") == "complete":
            try:
                documents_section_complete(actor=request.user, application_id=app.pk)
            except DomainError as error:
                complete_errors = [str(m) for m in error.field_errors.get("__all__", [])] or [error.detail]
            else:
                messages.success(request, _("The documents section is complete."))
                return redirect(application_overview_url(app))
        else:
            form = DocumentUploadForm(
                request.POST, request.FILES, limit_label=limit_label, replacing=replacing
            )
            if form.is_valid():
                try:
                    document = document_upload(
                        actor=request.user,
                        application_id=app.pk,
                        doc_type=form.cleaned_data["doc_type"],
                        uploaded_file=form.cleaned_data["file"],
                        replaces_id=form.cleaned_data.get("replaces") or None,
                    )
                except DomainError as error:
                    add_domain_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("%(name)s was uploaded as version %(version)s.")
                        % {"name": document.original_name, "version": document.version},
                    )
                    return redirect("application_documents", pk=app.pk)

    present = {row.document.doc_type: row.document for row in rows}
    required = [
        {"type": t, "label": t.label, "document": present.get(t)}
        for t in REQUIRED_DOCUMENT_TYPES.get(app.kind, ())
    ]
    section = (app.sections or {}).get("documents") or {}
    return render(
        request,
        "applicant/documents/section.html",
        {
            "app": app,
            "rows": rows,
            "required": required,
            "form": form,
            "replacing": replacing,
            "complete_errors": complete_errors,
            "can_upload": is_draft and can_edit,
            "why_not": why_not,
            "is_draft": is_draft,
            "section_completed": section.get("status") == "completed",
            "overview_url": application_overview_url(app),
            "limit_label": limit_label,
        },
    )


@login_required
@require_GET
def document_download(request, pk):
    """Stream a stored document to its firm's members or regulator staff; 404 for anyone else."""
    document = Document.objects.visible_to(request.user).filter(pk=pk).first()
    if document is None or not document.file:
        raise Http404
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
