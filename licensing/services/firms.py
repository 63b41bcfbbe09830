"""Actions on a firm's authorisation stage."""

from django.db import transaction
from django.utils.translation import gettext as _

from licensing.models import Firm, FirmStageChange, Licence
from licensing.models.authorisations import LicenceStatus, NocStatus
from licensing.services.common import require_reason
from portal.businessdays.calendar import end_of
from portal.dates import long_date
from portal.deadlines import services as deadlines
from portal.deadlines.models import DeadlineKind, DeadlineStatus
from portal.errors import RuleBroken
from portal.transitions import lock, take


def change_stage(firm: Firm, name: str, *, actor, reason: str = "", details=None, effective_at=None):
    """Take a stage transition on a locked firm and record it in the public history (effective
    now, or at `effective_at` for a change that took effect before it was recorded)."""
    before = firm.stage
    event = take(firm, name, actor=actor, reason=reason, details=details)
    if effective_at is not None:
        firm.stage_changed_at = effective_at
        firm.save(update_fields=["stage_changed_at"])
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


@transaction.atomic
def firm_expire_licence(*, firm_id: int, reason: str = "", on=None) -> Firm:
    """System action: the firm's licence passed its expiry date without a renewal. The firm
    moves to `expired` (effective at the end of the licence's last day, when it stopped being in
    force: licensing.operating said so from that moment), its licence becomes `expired`, and the
    renewal deadline is closed as missed."""
    from licensing.operating import licence_expired

    firm = lock(Firm.objects, firm_id)
    licence = (
        Licence.objects.select_for_update()
        .filter(firm=firm, status__in=[LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED])
        .order_by("-issued_on", "-pk")
        .first()
    )
    if licence is None or not licence_expired(licence.expires_on, on=on):
        raise RuleBroken(_("The firm's licence has not expired: nothing to record."))
    reason = reason or _("The licence expired on %(date)s and was not renewed.") % {
        "date": long_date(licence.expires_on)
    }
    change_stage(
        firm,
        "expire_licence",
        actor=None,
        reason=reason,
        details={"licence": licence.number, "expires_on": licence.expires_on},
        effective_at=end_of(licence.expires_on),
    )
    licence.status = LicenceStatus.EXPIRED
    licence.save(update_fields=["status"])
    deadlines.close(DeadlineKind.LICENCE_RENEWAL, outcome=DeadlineStatus.MISSED, firm=firm)
    return firm
