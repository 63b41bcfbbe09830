"""Actions on AML registrations: the firm saves, evidences and files its registration; the
AML officer registers it (with the AML-registered services) or returns it with remedial
actions, after which the firm may file again.

Answers are checked here, not in forms. An answer left out of a call (None) keeps its saved
value; every answer given is checked: a required answer given empty, an MLRO or Compliance
Officer who is not an employee, the same person in both roles, or a goAML registration date
in the future is refused with the field it concerns. The portal's form always gives every
answer, so a filing made there is complete.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aml.models import AmlRegistration, AmlStatus
from licensing.models import Activity, Document, DocumentType, Firm, FirmStage
from licensing.permissions import EDIT, can_for_firm
from licensing.services.common import require_reason
from licensing.services.documents import _store as store_document_file
from licensing.services.firms import change_stage
from licensing.uploads import check_upload
from portal.audit.chain import record
from portal.dates import local_today
from portal.deadlines import services as deadlines
from portal.deadlines.models import DeadlineKind, DeadlineStatus
from portal.errors import NotFound, NotPermitted, RuleBroken, TransitionNotPossible
from portal.transitions import check, lock, take

# Every answer of a filing, in the order of the form.
ANSWER_FIELDS = (
    "goaml_org_id",
    "goaml_registered_on",
    "compliance_officer_name",
    "compliance_officer_email",
    "compliance_officer_is_employee",
    "mlro_name",
    "mlro_email",
    "mlro_is_employee",
    "aml_policy_summary",
    "risk_assessment",
    "cdd_arrangements",
    "monitoring_tools",
    "record_keeping",
)
# What a filed answer must not be left empty, and the sentence that says so.
REQUIRED_ANSWERS = {
    "goaml_org_id": gettext_lazy("Enter the goAML organisation ID."),
    "goaml_registered_on": gettext_lazy("Enter the date of the goAML registration."),
    "compliance_officer_name": gettext_lazy("Enter the Compliance Officer's full name."),
    "compliance_officer_email": gettext_lazy("Enter the Compliance Officer's email address."),
    "mlro_name": gettext_lazy("Enter the MLRO's full name."),
    "mlro_email": gettext_lazy("Enter the MLRO's email address."),
    "aml_policy_summary": gettext_lazy("Summarise your AML/CFT policy."),
    "risk_assessment": gettext_lazy("Describe your enterprise-wide risk assessment."),
    "cdd_arrangements": gettext_lazy("Describe your customer due diligence arrangements."),
    "monitoring_tools": gettext_lazy("Describe your transaction monitoring and name the tools you use."),
    "record_keeping": gettext_lazy("Give your record-keeping statement."),
}
EMPLOYEE_ANSWERS = {
    "compliance_officer_is_employee": gettext_lazy("The Compliance Officer must be an employee of the firm."),
    "mlro_is_employee": gettext_lazy(
        "The MLRO must be an employee of the firm: the MLRO role may not be outsourced."
    ),
}

# The kinds of evidence a firm may attach to its registration.
EVIDENCE_TYPES = (DocumentType.IDENTITY, DocumentType.AML_POLICY, DocumentType.OTHER)

# A registration the firm may still change.
EDITABLE_STATUSES = frozenset({AmlStatus.NOT_STARTED, AmlStatus.RETURNED})


# --- Reads and checks ------------------------------------------------------------------------


def can_file(firm, registration=None) -> tuple[bool, str]:
    """Whether the firm's registration can be changed and filed now, with the reason if not."""
    status = registration.status if registration is not None else AmlStatus.NOT_STARTED
    if status == AmlStatus.SUBMITTED:
        return False, _("Your AML registration has been filed and is waiting for the regulator to verify it.")
    if status == AmlStatus.REGISTERED:
        return False, _("Your AML registration has been verified: it can no longer be changed.")
    if firm.stage != FirmStage.NOC_HOLDER:
        if firm.stage == FirmStage.APPLICANT:
            return False, _(
                "Only a firm holding a No Objection Certificate (NOC) can file an AML registration. "
                "Your firm can file once its NOC is granted."
            )
        return False, _(
            "Only a firm holding a No Objection Certificate (NOC) can file an AML registration; "
            "your firm's stage is “%(stage)s”."
        ) % {"stage": firm.get_stage_display()}
    return True, ""


def answer_problems(answers: dict, *, filing: bool) -> dict[str, list[str]]:
    """Field errors for the `answers` given (a draft may leave answers empty; a filing may not)."""
    problems: dict[str, list[str]] = {}

    def add(field, message):
        problems.setdefault(field, []).append(str(message))

    if filing:
        for field, message in REQUIRED_ANSWERS.items():
            if field in answers and answers[field] in ("", None):
                add(field, message)
        for field, message in EMPLOYEE_ANSWERS.items():
            if field in answers and answers[field] is False:
                add(field, message)
    registered_on = answers.get("goaml_registered_on")
    if registered_on and registered_on > local_today():
        add("goaml_registered_on", _("The goAML registration date cannot be in the future."))
    names = [answers.get("compliance_officer_name"), answers.get("mlro_name")]
    if all(names) and names[0].casefold() == names[1].casefold():
        add("mlro_name", _("The MLRO and the Compliance Officer must be different people."))
    emails = [answers.get("compliance_officer_email"), answers.get("mlro_email")]
    if all(emails) and emails[0].casefold() == emails[1].casefold():
        add("mlro_email", _("The MLRO and the Compliance Officer need their own email addresses."))
    return problems


def _clean_answers(raw: dict) -> dict:
    """The answers given (None left out), text stripped."""
    unknown = set(raw) - set(ANSWER_FIELDS)
    if unknown:
        raise TypeError(f"unknown answers: {sorted(unknown)}")
    answers = {}
    for field, value in raw.items():
        if value is None:
            continue
        answers[field] = value.strip() if isinstance(value, str) else value
    return answers


def _refuse(problems: dict[str, list[str]]):
    first = next(iter(problems.values()))[0]
    count = sum(len(v) for v in problems.values())
    detail = first if count == 1 else _("%(count)s answers need attention.") % {"count": count}
    raise RuleBroken(detail, field_errors=problems)


def _registration_to_change(actor, firm_id: int) -> AmlRegistration:
    """The firm's registration (made when missing), locked, after the firm-side checks."""
    firm = Firm.objects.filter(pk=firm_id).first()
    if firm is None:
        raise NotFound(_("Firm not found."))
    allowed, reason = can_for_firm(actor, firm, EDIT)
    if not allowed:
        raise NotPermitted(reason)
    registration, _created = AmlRegistration.objects.get_or_create(firm=firm)
    registration = lock(AmlRegistration.objects, registration.pk)
    registration.firm = lock(Firm.objects, firm.pk, state_field="stage")
    return registration


def _check_editable(registration):
    allowed, reason = can_file(registration.firm, registration)
    if allowed:
        return
    if registration.status in EDITABLE_STATUSES:
        raise RuleBroken(reason)
    raise TransitionNotPossible(reason)


def _apply(registration, answers: dict) -> list[str]:
    """Set the answers; the names of the fields that changed."""
    changed = []
    for field, value in answers.items():
        if getattr(registration, field) != value:
            setattr(registration, field, value)
            changed.append(field)
    return changed


# --- The firm's side -------------------------------------------------------------------------


@transaction.atomic
def aml_registration_save(*, actor, firm_id: int, **answers) -> AmlRegistration:
    """Save the firm's answers as a draft (nothing is filed). Audited when anything changed."""
    answers = _clean_answers(answers)
    registration = _registration_to_change(actor, firm_id)
    _check_editable(registration)
    problems = answer_problems(answers, filing=False)
    if problems:
        _refuse(problems)
    changed = _apply(registration, answers)
    if changed:
        registration.save(update_fields=changed)
        record(actor=actor, action="amlregistration.save", obj=registration, details={"fields": changed})
    return registration


@transaction.atomic
def aml_registration_submit(
    *,
    actor,
    firm_id: int,
    goaml_org_id: str,
    goaml_registered_on: datetime.date,
    **answers,
) -> AmlRegistration:
    """File the registration for verification (first time, or again after it was returned).

    Takes the answers given (see the module's docstring) and the `submit` transition, whose
    rules are that the firm holds a NOC and the goAML details are given.
    """
    answers = _clean_answers(
        {"goaml_org_id": goaml_org_id or "", "goaml_registered_on": goaml_registered_on, **answers}
    )
    registration = _registration_to_change(actor, firm_id)
    _check_editable(registration)
    problems = answer_problems(answers, filing=True)
    if problems:
        _refuse(problems)
    changed = _apply(registration, answers)
    registration.submitted_at = timezone.now()
    take(
        registration,
        "submit",
        actor=actor,
        extra_fields=[*changed, "submitted_at"],
        details={
            "goaml_org_id": registration.goaml_org_id,
            "evidence_documents": sorted(registration.evidence_documents.values_list("pk", flat=True)),
            "resubmission": bool(registration.remedial_actions),
        },
    )
    # With the AML officer now: the firm's clock stops until it is registered or returned.
    deadlines.pause(DeadlineKind.REGISTER_AML, reason=_("Filed; being verified."), firm=registration.firm_id)
    return registration


@transaction.atomic
def aml_evidence_upload(*, actor, firm_id: int, doc_type: str, uploaded_file) -> Document:
    """Attach a checked file (licensing.uploads) to the firm's registration as evidence.

    The document belongs to the firm, not to an application. A refused file raises
    RuleBroken with `field_errors["file"]`.
    """
    registration = _registration_to_change(actor, firm_id)
    _check_editable(registration)
    if doc_type not in EVIDENCE_TYPES:
        message = _("Choose what kind of document this is.")
        raise RuleBroken(message, field_errors={"doc_type": [message]})
    checked = check_upload(uploaded_file)
    document = Document(
        firm=registration.firm,
        application=None,
        doc_type=doc_type,
        original_name=checked.display_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    wrote = store_document_file(document, uploaded_file)
    try:
        document.save()
        registration.evidence_documents.add(document)
        record(
            actor=actor,
            action="document.upload",
            obj=document,
            details={
                "aml_registration": registration.pk,
                "doc_type": doc_type,
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
def aml_evidence_remove(*, actor, firm_id: int, document_id: int) -> AmlRegistration:
    """Take a document off the registration's evidence. The file itself is kept (records are
    never deleted before their retention period ends)."""
    registration = _registration_to_change(actor, firm_id)
    _check_editable(registration)
    document = registration.evidence_documents.filter(pk=document_id).first()
    if document is None:
        raise NotFound(_("Document not found."))
    registration.evidence_documents.remove(document)
    record(
        actor=actor,
        action="amlregistration.remove_evidence",
        obj=registration,
        details={"document": document.pk, "name": document.original_name},
    )
    return registration


# --- The AML officer's side ------------------------------------------------------------------


def _lock_registration(registration_id, expected_status=None) -> AmlRegistration:
    registration = lock(AmlRegistration.objects, registration_id, expected_state=expected_status)
    registration.firm = lock(Firm.objects, registration.firm_id, state_field="stage")
    return registration


def _registrable_services(service_ids) -> list[Activity]:
    wanted = {int(pk) for pk in service_ids}
    services = list(Activity.objects.filter(pk__in=wanted, aml_registrable=True, is_active=True))
    if len(services) != len(wanted):
        message = _("Choose only services that may be offered under an AML registration.")
        raise RuleBroken(message, field_errors={"services": [message]})
    return services


@transaction.atomic
def aml_registration_register(
    *,
    actor,
    registration_id: int,
    reason: str = "",
    service_ids=(),
    expected_status: str | None = None,
) -> AmlRegistration:
    """The AML officer confirms the registration: the firm becomes AML-registered and may
    offer the services named (each must be an active, AML-registrable activity)."""
    registration = _lock_registration(registration_id, expected_status)
    check(registration, "register", actor=actor)  # state and role before the services chosen
    services = _registrable_services(service_ids)
    registration.verified_at = timezone.now()
    registration.verified_by = actor
    take(
        registration,
        "register",
        actor=actor,
        reason=reason,
        extra_fields=["verified_at", "verified_by"],
        details={"services": sorted(s.code for s in services)},
    )
    registration.registered_services.set(services)
    change_stage(
        registration.firm,
        "register_aml",
        actor=actor,
        reason=reason,
        details={"goaml_org_id": registration.goaml_org_id},
    )
    deadlines.close(DeadlineKind.REGISTER_AML, outcome=DeadlineStatus.MET, firm=registration.firm_id)
    return registration


@transaction.atomic
def aml_registration_return(
    *,
    actor,
    registration_id: int,
    remedial_actions: list[str],
    reason: str = "",
    expected_status: str | None = None,
) -> AmlRegistration:
    """The AML officer returns the registration with the remedial actions the firm must take."""
    actions = [a.strip() for a in remedial_actions if a and a.strip()]
    if not actions:
        raise RuleBroken(
            _("List at least one remedial action."),
            field_errors={"remedial_actions": [_("Add at least one remedial action.")]},
        )
    reason = require_reason(reason) if reason else "; ".join(actions)
    registration = _lock_registration(registration_id, expected_status)
    registration.remedial_actions = actions
    registration.verified_at = timezone.now()
    registration.verified_by = actor
    take(
        registration,
        "return_for_remedy",
        actor=actor,
        reason=reason,
        extra_fields=["remedial_actions", "verified_at", "verified_by"],
        details={"remedial_actions": actions},
    )
    deadlines.resume(DeadlineKind.REGISTER_AML, firm=registration.firm_id)
    return registration
