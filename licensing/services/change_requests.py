"""Changes to a firm's identity that the regulator approves first.

From a firm's first submission on, its identity on the public register (legal name, trading
names, LEI, company numbers, registered address: `licensing.models.firms.IDENTITY_FIELDS`)
changes only here: the firm's principal proposes the change with a reason
(`firm_change_request_create`), a case officer approves or refuses it with a reason
(`firm_change_request_approve` / `_refuse`), and the firm's principals and the person who
asked are told of the outcome through `portal.notifications.notify`. Approving applies the
change to the firm; the register then shows the previous legal name as "formerly …".

Each function locks the request before the firm, takes one transition (one audit event),
and checks the proposed values as the profile does (format, LEI, names unique among firms
not in an end state) when the request is made and again when it is approved.
"""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from licensing.models import Firm, FirmChangeRequest, FirmMembership, FirmRole
from licensing.models.change_requests import ChangeRequestKind, ChangeRequestStatus
from licensing.models.firms import IDENTITY_FIELDS
from licensing.permissions import MANAGE_PROFILE
from licensing.services.common import require_reason
from licensing.services.firm_admin import _check_names, _normalise_profile, _require, _validate_firm
from portal.accounts.language import language_for
from portal.audit.chain import record
from portal.errors import RuleBroken
from portal.notifications.services import notify
from portal.transitions import check, lock, take


def _apply(firm: Firm, proposed: dict) -> dict:
    """Set the normalised `proposed` values on `firm`; return {field: [before, after]} of
    those that differ."""
    changed = {}
    for name, value in _normalise_profile(proposed).items():
        before = getattr(firm, name)
        if before != value:
            changed[name] = [before, value]
            setattr(firm, name, value)
    return changed


def _check(firm: Firm, changed: dict) -> None:
    _validate_firm(firm)
    if "legal_name" in changed or "trading_names" in changed:
        _check_names(firm)


@transaction.atomic
def firm_change_request_create(*, actor, firm_id: int, changes: dict, reason: str) -> FirmChangeRequest:
    """The firm's principal asks the regulator to change the firm's identity.

    `changes` maps identity fields to their proposed values; values equal to today's are
    ignored, and at least one must differ. A firm has at most one pending request (409)."""
    unknown = set(changes) - set(IDENTITY_FIELDS)
    if unknown:
        raise RuleBroken(
            _("Only the firm's identity is changed by request: %(fields)s cannot be.")
            % {"fields": ", ".join(sorted(unknown))},
            field_errors={name: [_("Not part of the firm's identity.")] for name in sorted(unknown)},
        )
    firm = lock(Firm.objects, firm_id)
    _require(actor, firm, MANAGE_PROFILE)
    reason = require_reason(reason)
    if FirmChangeRequest.objects.filter(
        firm=firm, kind=ChangeRequestKind.IDENTITY, status=ChangeRequestStatus.PENDING
    ).exists():
        raise RuleBroken(
            _(
                "Your firm already has a change request awaiting the regulator. Withdraw it, or wait "
                "for the decision, before asking for another."
            )
        )
    # Check the proposal on a copy: the firm itself changes only when the request is approved.
    proposal = Firm.objects.get(pk=firm.pk)
    changed = _apply(proposal, changes)
    if not changed:
        raise RuleBroken(
            _("Nothing would change: the details you gave are the firm's details today."),
            field_errors={"__all__": [_("Change at least one detail.")]},
        )
    _check(proposal, changed)
    try:
        with transaction.atomic():
            request = FirmChangeRequest.objects.create(
                firm=firm, kind=ChangeRequestKind.IDENTITY, changes=changed, reason=reason, requested_by=actor
            )
    except IntegrityError:  # another principal's request won the race
        raise RuleBroken(_("Your firm already has a change request awaiting the regulator.")) from None
    record(
        actor=actor,
        action="firmchangerequest.create",
        obj=request,
        to_state=request.status,
        reason=reason,
        details={"kind": request.kind, "fields": sorted(changed)},
    )
    return request


def _tell_firm(request: FirmChangeRequest) -> None:
    """The outcome, to the firm's principals and the person who asked (in their language)."""
    people = {
        m.user
        for m in FirmMembership.objects.filter(
            firm_id=request.firm_id, is_active=True, role=FirmRole.PRINCIPAL
        ).select_related("user")
    }
    if (
        request.requested_by.is_active
        and FirmMembership.objects.filter(
            firm_id=request.firm_id, user=request.requested_by, is_active=True
        ).exists()
    ):
        people.add(request.requested_by)
    link = reverse("firm_change_requests")
    for person in sorted(people, key=lambda p: p.pk):
        with translation.override(language_for(person)):
            if request.status == ChangeRequestStatus.APPROVED:
                subject = _("Your change to %(firm)s's identity is approved") % {
                    "firm": request.firm.legal_name
                }
                body = _(
                    "The regulator approved your request of %(date)s. The register now shows the new details."
                )
            else:
                subject = _("Your change to %(firm)s's identity is refused") % {
                    "firm": request.firm.legal_name
                }
                body = _("The regulator refused your request of %(date)s.")
            body = body % {"date": request.created_at.date().isoformat()}
            if request.decision_reason:
                body += "\n\n" + _("Reason: %(reason)s") % {"reason": request.decision_reason}
            notify(person, subject=subject, body=body, link=link)


def _lock_pending(request_id: int) -> tuple[FirmChangeRequest, Firm]:
    request = lock(FirmChangeRequest.objects.select_related("requested_by"), request_id)
    firm = lock(Firm.objects, request.firm_id)
    request.firm = firm
    return request, firm


@transaction.atomic
def firm_change_request_approve(*, actor, request_id: int, reason: str = "") -> FirmChangeRequest:
    """A case officer approves: the firm's identity changes now, as proposed (checked again:
    another firm may have taken the name meanwhile)."""
    request, firm = _lock_pending(request_id)
    check(request, "approve", actor=actor)
    changed = _apply(firm, request.proposed)
    if changed:
        _check(firm, changed)
        firm.save(update_fields=[*changed, "updated_at"])
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_reason = (reason or "").strip()
    # What changed when it was applied (the firm's values may have moved since the request).
    request.changes = changed or request.changes
    take(
        request,
        "approve",
        actor=actor,
        reason=request.decision_reason,
        details={"kind": request.kind, "changed": changed},
        extra_fields=["decided_by", "decided_at", "decision_reason", "changes"],
    )
    _tell_firm(request)
    return request


@transaction.atomic
def firm_change_request_refuse(*, actor, request_id: int, reason: str) -> FirmChangeRequest:
    """A case officer refuses, with the reason the firm will read."""
    request, _firm = _lock_pending(request_id)
    check(request, "refuse", actor=actor)
    request.decision_reason = require_reason(reason)
    request.decided_by, request.decided_at = actor, timezone.now()
    take(
        request,
        "refuse",
        actor=actor,
        reason=request.decision_reason,
        details={"kind": request.kind},
        extra_fields=["decided_by", "decided_at", "decision_reason"],
    )
    _tell_firm(request)
    return request


@transaction.atomic
def firm_change_request_withdraw(*, actor, firm_id: int, request_id: int) -> FirmChangeRequest:
    """The firm's principal withdraws a request the regulator has not decided."""
    request = lock(FirmChangeRequest.objects.filter(firm_id=firm_id), request_id)
    lock(Firm.objects, firm_id)
    take(request, "withdraw", actor=actor, details={"kind": request.kind})
    return request
