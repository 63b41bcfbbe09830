"""Actions on a firm's authorisation stage."""

from django.db import transaction

from licensing.models import Firm, FirmStageChange, Licence
from licensing.models.authorisations import LicenceStatus, NocStatus
from licensing.services.common import require_reason
from portal.deadlines import services as deadlines
from portal.deadlines.models import DeadlineKind, DeadlineStatus
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


def _supervisory_action(transition: str, licence_status: str):
    """A staff action on a licensed firm: reason required, stage moves, licences follow."""

    @transaction.atomic
    def action(*, actor, firm_id: int, reason: str) -> Firm:
        reason = require_reason(reason)
        firm = lock(Firm.objects, firm_id)
        change_stage(firm, transition, actor=actor, reason=reason)
        _set_licence_status(firm, licence_status)
        if licence_status in (LicenceStatus.REVOKED, LicenceStatus.SURRENDERED):  # nothing to renew
            deadlines.close(DeadlineKind.LICENCE_RENEWAL, outcome=DeadlineStatus.CANCELLED, firm=firm)
        return firm

    action.__name__ = action.__qualname__ = f"firm_{transition}"
    return action


firm_suspend = _supervisory_action("suspend", LicenceStatus.SUSPENDED)
firm_lift_suspension = _supervisory_action("lift_suspension", LicenceStatus.ACTIVE)
firm_revoke = _supervisory_action("revoke", LicenceStatus.REVOKED)
firm_surrender = _supervisory_action("surrender", LicenceStatus.SURRENDERED)


@transaction.atomic
def firm_lapse_noc(*, firm_id: int, reason: str) -> Firm:
    """System action: the NOC's validity ended before a licence was granted."""
    firm = lock(Firm.objects, firm_id)
    change_stage(firm, "lapse_noc", actor=None, reason=reason)
    firm.nocs.filter(status=NocStatus.ACTIVE).update(status=NocStatus.LAPSED)
    deadlines.close(DeadlineKind.NOC_VALIDITY, outcome=DeadlineStatus.MISSED, firm=firm)
    deadlines.close(DeadlineKind.REGISTER_AML, outcome=DeadlineStatus.CANCELLED, firm=firm)
    return firm
