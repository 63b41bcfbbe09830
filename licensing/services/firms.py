"""Actions on a firm's authorisation stage."""

from django.db import transaction

from licensing.models import Firm, FirmStageChange, Licence
from licensing.models.authorisations import LicenceStatus, NocStatus
from licensing.services.common import require_reason
from portal.transitions import lock, take


def change_stage(firm: Firm, name: str, *, actor, reason: str = "", details=None):
    """Take a stage transition on a locked firm and record it in the public history."""
    before = firm.stage
    event = take(firm, name, actor=actor, reason=reason, details=details)
    FirmStageChange.objects.create(
        firm=firm,
        from_stage=before,
        to_stage=firm.stage,
        effective_at=firm.stage_changed_at,
        actor=actor if actor is not None else None,
        reason=reason,
    )
    return event


def _set_licence_status(firm: Firm, status: str) -> None:
    Licence.objects.filter(firm=firm).exclude(
        status__in=[LicenceStatus.REVOKED, LicenceStatus.SURRENDERED, LicenceStatus.EXPIRED]
    ).update(status=status)


@transaction.atomic
def firm_suspend(*, actor, firm_id: int, reason: str) -> Firm:
    reason = require_reason(reason)
    firm = lock(Firm.objects, firm_id)
    change_stage(firm, "suspend", actor=actor, reason=reason)
    _set_licence_status(firm, LicenceStatus.SUSPENDED)
    return firm


@transaction.atomic
def firm_lift_suspension(*, actor, firm_id: int, reason: str) -> Firm:
    reason = require_reason(reason)
    firm = lock(Firm.objects, firm_id)
    change_stage(firm, "lift_suspension", actor=actor, reason=reason)
    _set_licence_status(firm, LicenceStatus.ACTIVE)
    return firm


@transaction.atomic
def firm_revoke(*, actor, firm_id: int, reason: str) -> Firm:
    reason = require_reason(reason)
    firm = lock(Firm.objects, firm_id)
    change_stage(firm, "revoke", actor=actor, reason=reason)
    _set_licence_status(firm, LicenceStatus.REVOKED)
    return firm


@transaction.atomic
def firm_surrender(*, actor, firm_id: int, reason: str) -> Firm:
    reason = require_reason(reason)
    firm = lock(Firm.objects, firm_id)
    change_stage(firm, "surrender", actor=actor, reason=reason)
    _set_licence_status(firm, LicenceStatus.SURRENDERED)
    return firm


@transaction.atomic
def firm_lapse_noc(*, firm_id: int, reason: str) -> Firm:
    """System action: the NOC's validity ended before a licence was granted."""
    firm = lock(Firm.objects, firm_id)
    change_stage(firm, "lapse_noc", actor=None, reason=reason)
    firm.nocs.filter(status=NocStatus.ACTIVE).update(status=NocStatus.LAPSED)
    return firm
