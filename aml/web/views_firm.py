"""The firm's AML registration page: its answers, evidence documents and status, and the
actions on it (save the draft, upload or remove evidence, submit for verification).

One form carries every answer and one evidence file, and each of its buttons saves the
answers first, so nothing typed is lost when a file is uploaded or a document removed. The
firm is the one the person acts for (`require_membership`: 404 without one); state changes
only through aml.services. Screening results are never read here: firms do not see them.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from aml.models import AmlRegistration, AmlStatus
from aml.services import (
    ANSWER_FIELDS,
    EDITABLE_STATUSES,
    aml_evidence_remove,
    aml_evidence_upload,
    aml_registration_save,
    aml_registration_submit,
    can_file,
)
from aml.web.forms import RegistrationForm
from licensing.models import ApplicationKind, ApplicationStatus, KeyIndividual, KeyRole
from licensing.permissions import EDIT, can_for_firm
from licensing.uploads import human_size
from licensing.web.firm_context import require_membership
from portal.errors import DomainError

# Service field names that the form calls differently.
FORM_FIELD = {"file": "evidence_file", "doc_type": "evidence_type"}

STATUS_EXPLANATIONS = {
    AmlStatus.NOT_STARTED: gettext_lazy(
        "Answer every question, attach your evidence, then submit the registration for verification."
    ),
    AmlStatus.SUBMITTED: gettext_lazy("The regulator's AML officers are verifying your registration."),
    AmlStatus.REGISTERED: gettext_lazy(
        "Your AML registration is confirmed. Your firm may offer the services listed below."
    ),
    AmlStatus.RETURNED: gettext_lazy(
        "The regulator returned your registration. Take the remedial actions below, then submit it again."
    ),
}


def show_errors(form, error: DomainError) -> None:
    """Put a service's refusal on the form: beside each field it names, else at the top."""
    field_errors = error.field_errors or {NON_FIELD_ERRORS: [error.detail]}
    for field, field_messages in field_errors.items():
        field = FORM_FIELD.get(field, field)
        target = field if field in form.fields else None
        for message in field_messages:
            if str(message) not in form.errors.get(target or NON_FIELD_ERRORS, []):
                form.add_error(target, str(message))


def registration_of(firm) -> AmlRegistration | None:
    return (
        AmlRegistration.objects.filter(firm=firm)
        .select_related("firm")
        .prefetch_related("registered_services")
        .first()
    )


def evidence_of(registration) -> list:
    if registration is None:
        return []
    return list(registration.evidence_documents.select_related("uploaded_by").order_by("uploaded_at", "pk"))


def _noc_key_people(firm) -> dict:
    """The Compliance Officer and MLRO named in the firm's granted NOC application."""
    people = KeyIndividual.objects.filter(
        application__firm=firm,
        application__kind=ApplicationKind.NOC,
        application__status=ApplicationStatus.APPROVED,
        role__in=[KeyRole.COMPLIANCE_OFFICER, KeyRole.MLRO],
    ).order_by("-application_id", "pk")
    found = {}
    for person in people:
        found.setdefault(person.role, person)
    return found


def initial_answers(firm, registration) -> dict:
    """The saved answers; names not yet given come from the NOC application's key individuals."""
    initial = {field: getattr(registration, field) for field in ANSWER_FIELDS} if registration else {}
    if initial.get("compliance_officer_name") and initial.get("mlro_name"):
        return initial
    people = _noc_key_people(firm)
    for role, prefix in ((KeyRole.COMPLIANCE_OFFICER, "compliance_officer"), (KeyRole.MLRO, "mlro")):
        person = people.get(role) if not initial.get(f"{prefix}_name") else None
        if person is not None:
            initial[f"{prefix}_name"] = person.full_name
            initial[f"{prefix}_email"] = initial.get(f"{prefix}_email") or person.email
            initial[f"{prefix}_is_employee"] = person.is_employee
    return initial


def answer_rows(registration) -> list[tuple[str, object]]:
    """(question, answer) for every answer of a filed registration, for a read-only summary."""
    fields = RegistrationForm.base_fields
    return [(fields[name].label, display(getattr(registration, name))) for name in RegistrationForm.ANSWERS]


def display(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.date):
        return date_format(value, "j F Y")
    return value or "—"


def _act(request, firm, form, action: str, remove: str) -> bool:
    """Carry out the button pressed; True when it succeeded."""
    answers = form.answers()
    upload = form.cleaned_data.get("evidence_file")
    try:
        if upload:
            document = aml_evidence_upload(
                actor=request.user,
                firm_id=firm.pk,
                doc_type=form.cleaned_data["evidence_type"],
                uploaded_file=upload,
            )
            messages.success(request, _("%(name)s was uploaded.") % {"name": document.original_name})
        if action == "submit":
            aml_registration_submit(actor=request.user, firm_id=firm.pk, **answers)
            messages.success(request, _("Your AML registration was submitted for verification."))
            return True
        aml_registration_save(actor=request.user, firm_id=firm.pk, **answers)
        if remove:
            aml_evidence_remove(actor=request.user, firm_id=firm.pk, document_id=int(remove))
            messages.success(request, _("The document was removed from your registration."))
        elif not upload:
            messages.success(request, _("Your answers are saved. You can come back and finish later."))
    except DomainError as error:
        show_errors(form, error)
        return False
    except ValueError:  # a tampered "remove" value
        form.add_error(None, _("Choose a document to remove."))
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def aml_registration(request):
    membership = require_membership(request)
    firm = membership.firm
    registration = registration_of(firm)
    can_change, why_not = can_file(firm, registration)
    may_edit, role_reason = can_for_firm(request.user, firm, EDIT)
    limit_label = human_size(settings.PORTAL_UPLOAD_MAX_BYTES)

    form = None
    if can_change and may_edit:
        if request.method == "POST":
            action = request.POST.get("action", "save")
            remove = request.POST.get("remove", "")
            form = RegistrationForm(
                request.POST, request.FILES, limit_label=limit_label, uploading=action == "upload"
            )
            if form.is_valid() and _act(request, firm, form, action, remove):
                return redirect("aml_registration")
        else:
            form = RegistrationForm(initial=initial_answers(firm, registration), limit_label=limit_label)
    elif request.method == "POST":
        messages.error(request, why_not or role_reason)
        return redirect("aml_registration")

    registration = registration_of(firm) if form is not None and form.is_bound else registration
    status = registration.status if registration else AmlStatus.NOT_STARTED
    return render(
        request,
        "aml/firm/registration.html",
        {
            "firm": firm,
            "registration": registration,
            "status": status,
            "status_label": AmlStatus(status).label,
            "status_explanation": STATUS_EXPLANATIONS[status] if can_change or registration else "",
            # Why the firm cannot file now (a filed or verified registration says so itself).
            "blocked_reason": why_not if not can_change and status in EDITABLE_STATUSES else "",
            "role_reason": role_reason if can_change and not may_edit else "",
            "form": form,
            "evidence": evidence_of(registration),
            "answers": answer_rows(registration) if registration and form is None else [],
            "remedial_actions": registration.remedial_actions
            if registration and status == AmlStatus.RETURNED
            else [],
            "services": list(registration.registered_services.all())
            if registration and status == AmlStatus.REGISTERED
            else [],
        },
    )
