"""Actions on MoUs and letters of intent: record, extend, sign the definitive agreement,
terminate, and the system's lapse when the window passes."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from licensing.models import Agreement, AgreementExtension, Firm
from licensing.models.agreements import MANAGE_AGREEMENT, AgreementKind, Currency
from licensing.permissions import can_with_perm
from licensing.services.common import require_reason
from portal.accounts.models import User
from portal.audit.chain import record
from portal.businessdays import calendar
from portal.dates import add_months, local_today
from portal.deadlines import services as deadlines
from portal.deadlines.models import DeadlineKind, DeadlineStatus
from portal.errors import NotPermitted, RuleBroken
from portal.transitions import lock, take

WINDOW = DeadlineKind.DEFINITIVE_AGREEMENT


def _rule_broken(field: str, message: str):
    return RuleBroken(message, field_errors={field: [message]})


def _window_end(signed_on: datetime.date, window_months: int | None) -> datetime.date:
    if window_months:
        return add_months(signed_on, window_months)
    rule = deadlines.rule_for(WINDOW)
    if rule is None:  # the rule is switched off: the domain's default still applies
        return add_months(signed_on, 6)
    return calendar.current_calendar().due_on(signed_on, rule.amount, rule.unit)


def check_record(
    *,
    title: str,
    scope: str,
    signed_on: datetime.date | None,
    owner_id: int | None,
    kind: str = AgreementKind.MOU,
    counterparty_firm_id: int | None = None,
    counterparty_name: str = "",
    value: Decimal | None = None,
    currency: str = "",
    window_months: int | None = None,
    co_owner_ids=(),
) -> dict[str, list[str]]:
    """Every rule a new agreement breaks, by field (empty when it may be recorded)."""
    errors: dict[str, list[str]] = {}

    def broken(field_name, message):
        errors.setdefault(field_name, []).append(str(message))

    if not (title or "").strip():
        broken("title", _("Give the agreement a title."))
    if not (scope or "").strip():
        broken("scope", _("Describe the scope of the agreement."))
    if kind not in AgreementKind.values:
        broken("kind", _("Choose the kind of agreement."))
    if counterparty_firm_id is None and not (counterparty_name or "").strip():
        broken("counterparty_name", _("Name the counterparty: a firm on the register or another party."))
    if counterparty_firm_id is not None and not Firm.objects.filter(pk=counterparty_firm_id).exists():
        broken("counterparty_firm_id", _("Firm not found."))
    if signed_on is None or signed_on > local_today():
        broken("signed_on", _("The signing date cannot be in the future."))
    if value is not None and value < 0:
        broken("value", _("A value cannot be negative."))
    if value is not None and currency not in Currency.values:
        broken("currency", _("A value needs a currency."))
    if window_months is not None and window_months < 1:
        broken("window_months", _("The window must be at least one month."))
    for field_name, ids in (("owner_id", [owner_id]), ("co_owner_ids", list(co_owner_ids))):
        for pk in ids:
            user = User.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
            if user is None or not user.is_regulator_staff:
                broken(field_name, _("Choose an active member of the regulator's staff."))
                break
    return errors


@transaction.atomic
def agreement_record(
    *,
    actor,
    title: str,
    scope: str,
    signed_on: datetime.date,
    owner_id: int,
    kind: str = AgreementKind.MOU,
    counterparty_firm_id: int | None = None,
    counterparty_name: str = "",
    government_party: str = "",
    value: Decimal | None = None,
    currency: str = "",
    binding: bool = False,
    window_months: int | None = None,
    co_owner_ids=(),
) -> Agreement:
    """Record a signed MoU or letter of intent and start the clock of its window."""
    allowed, reason = can_with_perm(actor, MANAGE_AGREEMENT)
    if not allowed:
        raise NotPermitted(reason)
    errors = check_record(
        title=title,
        scope=scope,
        signed_on=signed_on,
        owner_id=owner_id,
        kind=kind,
        counterparty_firm_id=counterparty_firm_id,
        counterparty_name=counterparty_name,
        value=value,
        currency=currency,
        window_months=window_months,
        co_owner_ids=co_owner_ids,
    )
    if errors:
        raise RuleBroken(" ".join(m for messages in errors.values() for m in messages), field_errors=errors)
    firm = Firm.objects.get(pk=counterparty_firm_id) if counterparty_firm_id is not None else None
    owner = User.objects.get(pk=owner_id)
    co_owners = list(User.objects.filter(pk__in=list(co_owner_ids)))
    agreement = Agreement.objects.create(
        kind=kind,
        title=title.strip(),
        scope=scope.strip(),
        government_party=(government_party or "").strip(),
        counterparty_firm=firm,
        counterparty_name=(counterparty_name or "").strip(),
        value=value,
        currency=currency or "",
        signed_on=signed_on,
        binding=binding,
        window_months=window_months,
        definitive_due_on=_window_end(signed_on, window_months),
        owner=owner,
        created_by=actor,
    )
    agreement.co_owners.set(co_owners)
    record(
        actor=actor,
        action="agreement.record",
        obj=agreement,
        to_state=agreement.status,
        details={
            "signed_on": signed_on,
            "definitive_due_on": agreement.definitive_due_on,
            "value": str(value) if value is not None else None,
            "currency": currency,
            "binding": binding,
            "owner": owner.email,
        },
    )
    # The window runs from the signing day, so reminders fall on the same days however late
    # the agreement is recorded (one already past is sent at once; earlier ones are skipped).
    deadlines.open_for(
        WINDOW,
        agreement=agreement,
        firm=firm,
        responsible=owner,
        start=calendar.start_of(signed_on),
        due_on=agreement.definitive_due_on,
    )
    return agreement


def _lock_agreement(agreement_id) -> Agreement:
    return lock(Agreement.objects, agreement_id)  # the firm is not changed, so not locked


@transaction.atomic
def agreement_extend(*, actor, agreement_id: int, new_due_on: datetime.date, reason: str) -> Agreement:
    """Extend the window to a later date, with the reason (e.g. the parties agreed more time)."""
    reason = require_reason(reason)
    agreement = _lock_agreement(agreement_id)
    previous = agreement.definitive_due_on
    if new_due_on is None or new_due_on <= previous:
        raise _rule_broken(
            "new_due_on",
            _("The new date must be after the current one (%(date)s).") % {"date": previous.isoformat()},
        )
    agreement.definitive_due_on = new_due_on
    take(
        agreement,
        "extend",
        actor=actor,
        reason=reason,
        extra_fields=["definitive_due_on"],
        details={"from": previous, "to": new_due_on},
    )
    AgreementExtension.objects.create(
        agreement=agreement, previous_due_on=previous, new_due_on=new_due_on, reason=reason, actor=actor
    )
    if not deadlines.reschedule(WINDOW, agreement=agreement, due_on=new_due_on):
        # The old window was already missed (lapsing is off): a new clock for the new date.
        deadlines.open_for(
            WINDOW,
            agreement=agreement,
            firm=agreement.counterparty_firm_id,
            responsible=agreement.owner_id,
            due_on=new_due_on,
        )
    return agreement


@transaction.atomic
def agreement_sign_definitive(
    *, actor, agreement_id: int, signed_on: datetime.date, reason: str = ""
) -> Agreement:
    """The definitive agreement was signed: the window is met."""
    agreement = _lock_agreement(agreement_id)
    if signed_on is None or signed_on > local_today() or signed_on < agreement.signed_on:
        raise _rule_broken("signed_on", _("The date must be between the MoU's signing and today."))
    agreement.definitive_signed_on = signed_on
    take(
        agreement,
        "sign_definitive",
        actor=actor,
        reason=(reason or "").strip(),
        extra_fields=["definitive_signed_on"],
        details={"signed_on": signed_on, "due_by": agreement.definitive_due_on},
    )
    deadlines.close(WINDOW, outcome=DeadlineStatus.MET, agreement=agreement)
    return agreement


@transaction.atomic
def agreement_terminate(*, actor, agreement_id: int, reason: str) -> Agreement:
    reason = require_reason(reason)
    agreement = _lock_agreement(agreement_id)
    take(agreement, "terminate", actor=actor, reason=reason)
    deadlines.close(WINDOW, outcome=DeadlineStatus.CANCELLED, agreement=agreement)
    return agreement


@transaction.atomic
def agreement_lapse(*, agreement_id: int, reason: str) -> Agreement:
    """System action: the window passed without a definitive agreement."""
    agreement = _lock_agreement(agreement_id)
    take(agreement, "lapse", actor=None, reason=reason)
    deadlines.close(WINDOW, outcome=DeadlineStatus.MISSED, agreement=agreement)
    return agreement
