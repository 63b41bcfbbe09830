"""Actions on AML registrations (firm files; AML officer registers or returns)."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aml.models import AmlRegistration
from licensing.models import Firm
from licensing.permissions import EDIT, can_for_firm
from licensing.services.common import require_reason
from licensing.services.firms import change_stage
from portal.errors import NotFound, NotPermitted, RuleBroken
from portal.transitions import lock, take

FIRM_FIELDS = (
    "goaml_org_id",
    "goaml_registered_on",
    "mlro_name",
    "mlro_email",
    "compliance_officer_name",
    "compliance_officer_email",
)


@transaction.atomic
def aml_registration_submit(
    *,
    actor,
    firm_id: int,
    goaml_org_id: str,
    goaml_registered_on: datetime.date,
    mlro_name: str = "",
    mlro_email: str = "",
    compliance_officer_name: str = "",
    compliance_officer_email: str = "",
) -> AmlRegistration:
    firm = Firm.objects.filter(pk=firm_id).first()
    if firm is None:
        raise NotFound(_("Firm not found."))
    allowed, reason = can_for_firm(actor, firm, EDIT)
    if not allowed:
        raise NotPermitted(reason)
    same_person = mlro_name.strip().casefold() == compliance_officer_name.strip().casefold()
    if mlro_name and same_person:
        raise RuleBroken(
            _("The MLRO and the Compliance Officer must be different people."),
            field_errors={"mlro_name": [_("Name a different person from the Compliance Officer.")]},
        )
    registration, _created = AmlRegistration.objects.get_or_create(firm=firm)
    registration = lock(AmlRegistration.objects, registration.pk)
    registration.firm = lock(Firm.objects, firm.pk, state_field="stage")
    registration.goaml_org_id = (goaml_org_id or "").strip()
    registration.goaml_registered_on = goaml_registered_on
    registration.mlro_name = mlro_name.strip()
    registration.mlro_email = mlro_email.strip()
    registration.compliance_officer_name = compliance_officer_name.strip()
    registration.compliance_officer_email = compliance_officer_email.strip()
    registration.submitted_at = timezone.now()
    take(registration, "submit", actor=actor, extra_fields=[*FIRM_FIELDS, "submitted_at"])
    return registration


def _lock_registration(registration_id) -> AmlRegistration:
    registration = lock(AmlRegistration.objects, registration_id)
    registration.firm = lock(Firm.objects, registration.firm_id, state_field="stage")
    return registration


@transaction.atomic
def aml_registration_register(*, actor, registration_id: int, reason: str = "") -> AmlRegistration:
    """The AML officer confirms the registration; the firm becomes AML-registered."""
    registration = _lock_registration(registration_id)
    registration.verified_at = timezone.now()
    registration.verified_by = actor
    take(registration, "register", actor=actor, reason=reason, extra_fields=["verified_at", "verified_by"])
    change_stage(
        registration.firm,
        "register_aml",
        actor=actor,
        reason=reason,
        details={"goaml_org_id": registration.goaml_org_id},
    )
    return registration


@transaction.atomic
def aml_registration_return(
    *, actor, registration_id: int, remedial_actions: list[str], reason: str = ""
) -> AmlRegistration:
    actions = [a.strip() for a in remedial_actions if a and a.strip()]
    if not actions:
        raise RuleBroken(
            _("List at least one remedial action."),
            field_errors={"remedial_actions": [_("Add at least one remedial action.")]},
        )
    reason = require_reason(reason) if reason else "; ".join(actions)
    registration = _lock_registration(registration_id)
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
    return registration
