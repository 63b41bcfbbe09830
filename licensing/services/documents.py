"""Actions on documents: uploading (with versions) and completing the documents section."""

from django.db import transaction
from django.utils.translation import gettext as _

from licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Document,
    DocumentType,
    InformationRequest,
    InformationRequestStatus,
)
from licensing.permissions import ANSWER, EDIT, can_for_firm
from licensing.services.applications import application_save_section
from licensing.uploads import check_upload
from portal.audit.chain import record
from portal.errors import CaseChanged, NotFound, NotPermitted, RuleBroken
from portal.transitions import lock

# The documents each kind of application must carry before its documents section is complete.
REQUIRED_DOCUMENT_TYPES = {
    ApplicationKind.NOC: (
        DocumentType.BUSINESS_PLAN,
        DocumentType.AML_POLICY,
        DocumentType.OWNERSHIP_CHART,
    ),
    ApplicationKind.LICENCE: (
        DocumentType.INCORPORATION,
        DocumentType.FINANCIALS,
        DocumentType.SECURITY_AUDIT,
        DocumentType.CAPITAL,
    ),
}


def missing_document_types(application, current_types) -> list[DocumentType]:
    """The required types of `application` not among `current_types`, in the required order."""
    present = set(current_types)
    return [t for t in REQUIRED_DOCUMENT_TYPES.get(application.kind, ()) if t not in present]


def _store(document: Document, uploaded_file) -> bool:
    """Write the file under its content-addressed name; True when a new file was written.

    Identical content of the same firm is stored once: a second upload reuses the file.
    """
    storage = document.file.storage
    name = document.file.field.generate_filename(document, document.original_name)
    if storage.exists(name):
        document.file.name = name
        return False
    uploaded_file.seek(0)
    document.file.save(name, uploaded_file, save=False)
    return True


@transaction.atomic
def document_upload(
    *,
    actor,
    application_id: int,
    doc_type: str,
    uploaded_file,
    information_request_id: int | None = None,
    replaces_id: int | None = None,
) -> Document:
    """Attach a checked file to an application, as a new document or a new version of one.

    Allowed while the application is a draft (firm EDIT right), or in answer to an open
    information request on it (firm ANSWER right). A new version keeps the earlier one,
    which it supersedes. A refused file raises RuleBroken with `field_errors["file"]`.
    """
    app = lock(Application.objects, application_id)
    capability = ANSWER if information_request_id is not None else EDIT
    allowed, reason = can_for_firm(actor, app.firm, capability)
    if not allowed:
        raise NotPermitted(reason)

    information_request = None
    if information_request_id is not None:
        information_request = (
            InformationRequest.objects.select_for_update()
            .filter(pk=information_request_id, application=app)
            .first()
        )
        if information_request is None:
            raise NotFound(_("Information request not found."))
        if information_request.status != InformationRequestStatus.OPEN:
            raise RuleBroken(
                _("This information request is no longer open: documents cannot be added to it.")
            )
    elif app.status != ApplicationStatus.DRAFT:
        raise RuleBroken(
            _(
                "This application has been submitted: documents can only be added "
                "in answer to an open information request."
            )
        )

    previous = None
    if replaces_id is not None:
        previous = Document.objects.select_for_update().filter(pk=replaces_id, application=app).first()
        if previous is None:
            raise NotFound(_("Document not found."))
        if Document.objects.filter(supersedes=previous).exists():
            raise CaseChanged(
                _("A newer version of %(name)s was uploaded meanwhile: replace that one instead.")
                % {"name": previous.original_name}
            )
        doc_type = doc_type or previous.doc_type
        if doc_type != previous.doc_type:
            raise RuleBroken(
                _("A new version must be of the same type as the document it replaces."),
                field_errors={"doc_type": [_("Keep the type of the document you replace.")]},
            )
    if doc_type not in DocumentType.values:
        raise RuleBroken(
            _("Choose what kind of document this is."),
            field_errors={"doc_type": [_("Choose what kind of document this is.")]},
        )

    checked = check_upload(uploaded_file)
    document = Document(
        firm=app.firm,
        application=app,
        information_request=information_request,
        doc_type=doc_type,
        original_name=checked.display_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        version=previous.version + 1 if previous else 1,
        supersedes=previous,
        uploaded_by=actor,
    )
    wrote = _store(document, uploaded_file)
    try:
        document.save()
        record(
            actor=actor,
            action="document.upload",
            obj=document,
            details={
                "application": app.pk,
                "doc_type": doc_type,
                "version": document.version,
                "supersedes": previous.pk if previous else None,
                "information_request": information_request.pk if information_request else None,
                "sha256": checked.sha256,
                "size": checked.size,
            },
        )
    except BaseException:
        if wrote:
            document.file.storage.delete(document.file.name)
        raise
    return document


@transaction.atomic
def documents_section_complete(*, actor, application_id: int) -> Application:
    """Mark the documents section complete, once every required type has a current document."""
    app = lock(Application.objects, application_id)
    allowed, reason = can_for_firm(actor, app.firm, EDIT)
    if not allowed:
        raise NotPermitted(reason)
    if app.status != ApplicationStatus.DRAFT:
        raise RuleBroken(_("Only a draft can be edited."))
    current = list(app.documents.current().values_list("pk", "doc_type"))
    missing = missing_document_types(app, [doc_type for _pk, doc_type in current])
    if missing:
        message = _("Upload these documents before you mark this section as complete: %(list)s.") % {
            "list": ", ".join(str(t.label) for t in missing)
        }
        raise RuleBroken(message, field_errors={"__all__": [message]})
    return application_save_section(
        actor=actor,
        application_id=app.pk,
        section="documents",
        data={"document_ids": sorted(pk for pk, _doc_type in current)},
        completed=True,
    )
