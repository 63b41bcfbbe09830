"""Actions of the staff case page beyond the core services in `licensing.services`.

Each is one keyword-only function, in one transaction: it locks the application (then the
firm, then the information request), checks who may act, changes the rows, and writes one
audit event. The case page's views call these and the core services in
`licensing.services`, nothing else.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Firm,
    InformationRequest,
    InformationRequestStatus,
    Licence,
    Noc,
    Recommendation,
)
from licensing.models.applications import DecisionOutcome
from licensing.models.authorisations import LicenceStatus, NocStatus
from licensing.permissions import can_with_perm
from licensing.services.common import require_reason
from licensing.services.firm_admin import name_problems
from licensing.services.firms import change_stage, firm_lift_suspension, firm_revoke, firm_suspend
from licensing.staff.models import CaseNote, DecisionReversal, FirmMessage, MessageDirection
from portal.audit.chain import record
from portal.dates import local_today
from portal.deadlines import services as deadlines
from portal.deadlines.models import DeadlineKind, DeadlineStatus
from portal.errors import NotPermitted, RuleBroken, TransitionNotPossible
from portal.transitions import check, lock, take

# Who may write on a case. Read-only supervisors have none of these.
NOTE_PERMS = ("licensing.review_application", "licensing.decide_application", "aml.verify_amlregistration")
MESSAGE_PERMS = ("licensing.review_application", "licensing.decide_application")
REVIEW_PERM = "licensing.review_application"


def _require_any_perm(actor, perms) -> None:
    answers = [can_with_perm(actor, perm) for perm in perms]
    if not any(allowed for allowed, _reason in answers):
        raise NotPermitted(answers[0][1])


def _lock_case(application_id, *, expected_status=None) -> Application:
    """The application, then its firm: the order every service locks in."""
    app = lock(Application.objects, application_id, expected_state=expected_status)
    app.firm = lock(Firm.objects, app.firm_id, state_field="stage")
    return app


def _lock_open_request(app) -> InformationRequest:
    ir = (
        InformationRequest.objects.select_for_update()
        .filter(application=app, status=InformationRequestStatus.OPEN)
        .first()
    )
    if ir is None:
        raise RuleBroken(_("There is no open information request on this case."))
    return ir


# --- Notes (staff only) and messages (the firm sees them).


@transaction.atomic
def case_note_add(*, actor, application_id: int, body: str) -> CaseNote:
    """An internal note: staff only, never shown to the firm."""
    _require_any_perm(actor, NOTE_PERMS)
    body = (body or "").strip()
    if not body:
        raise RuleBroken(_("Write the note."), field_errors={"body": [_("Write the note.")]})
    app = lock(Application.objects, application_id)
    note = CaseNote.objects.create(application=app, author=actor, body=body)
    record(actor=actor, action="case_note.add", obj=note, details={"application": app.pk})
    return note


@transaction.atomic
def firm_message_send(*, actor, application_id: int, body: str, confirmed: bool) -> FirmMessage:
    """A message to the firm: its people see it. `confirmed` is the sender's explicit
    acknowledgement that the firm will read it (an internal note is the other form)."""
    _require_any_perm(actor, MESSAGE_PERMS)
    body = (body or "").strip()
    errors = {}
    if not body:
        errors["body"] = [_("Write the message.")]
    if not confirmed:
        errors["confirm"] = [_("Confirm that the firm will see this message.")]
    if errors:
        raise RuleBroken(" ".join(str(m[0]) for m in errors.values()), field_errors=errors)
    app = lock(Application.objects, application_id)
    if app.status == ApplicationStatus.DRAFT:
        raise RuleBroken(_("The firm has not submitted this application: there is no case to write about."))
    message = FirmMessage.objects.create(
        application=app, author=actor, direction=MessageDirection.TO_FIRM, body=body
    )
    record(actor=actor, action="firm_message.send", obj=message, details={"application": app.pk})
    return message


# --- Information requests.


@transaction.atomic
def information_request_extend(
    *,
    actor,
    application_id: int,
    due_on: datetime.date | None,
    reason: str,
    expected_status: str | None = None,
) -> InformationRequest:
    """Give the firm more time: a later due date, with a reason, on the open request."""
    allowed, why = can_with_perm(actor, REVIEW_PERM)
    if not allowed:
        raise NotPermitted(why)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Give a reason.")]
    if due_on is None:
        errors["due_on"] = [_("Enter the new due date.")]
    if errors:
        raise RuleBroken(_("Give the new due date and the reason."), field_errors=errors)
    reason = reason.strip()
    app = _lock_case(application_id, expected_status=expected_status)
    if app.status != ApplicationStatus.INFORMATION_REQUESTED:
        raise TransitionNotPossible(
            _("There is no open information request: the case is “%(state)s”.")
            % {"state": app.get_status_display()}
        )
    ir = _lock_open_request(app)
    if due_on <= ir.due_on:
        raise RuleBroken(
            _("The new due date must be later than the current one (%(date)s).") % {"date": ir.due_on},
            field_errors={"due_on": [_("Choose a date after %(date)s.") % {"date": ir.due_on}]},
        )
    if due_on <= local_today():
        raise RuleBroken(
            _("The new due date must be in the future."),
            field_errors={"due_on": [_("Choose a date after today.")]},
        )
    before = ir.due_on
    ir.due_on = due_on
    ir.save(update_fields=["due_on"])
    deadlines.reschedule(DeadlineKind.ANSWER_INFORMATION_REQUEST, due_on=due_on, information_request=ir)
    record(
        actor=actor,
        action="information_request.extend",
        obj=ir,
        reason=reason,
        details={"application": app.pk, "from": before, "to": due_on},
    )
    return ir


@transaction.atomic
def information_request_close(
    *, actor, application_id: int, reason: str, expected_status: str | None = None
) -> InformationRequest:
    """Withdraw the open request (the firm need not answer it); the case goes back under
    review with the same officer and the decision clock runs again.

    Takes `Application.close_information_request` (information_requested → under_review,
    case officers only, with an open request).
    """
    reason = require_reason(reason)
    app = _lock_case(application_id, expected_status=expected_status)
    check(app, "close_information_request", actor=actor)
    ir = _lock_open_request(app)
    take(
        app,
        "close_information_request",
        actor=actor,
        reason=reason,
        details={"information_request": ir.pk},
    )
    ir.status = InformationRequestStatus.WITHDRAWN
    ir.save(update_fields=["status"])
    deadlines.close(
        DeadlineKind.ANSWER_INFORMATION_REQUEST, outcome=DeadlineStatus.CANCELLED, information_request=ir
    )
    deadlines.resume(deadlines.decision_kind(app), application=app)
    return ir


# --- Reversing a decision.


def _firm_reversal(decision, app) -> str:
    if decision.outcome == DecisionOutcome.REFUSE:
        return "reverse_refusal"
    return "reverse_noc" if app.kind == ApplicationKind.NOC else "reverse_licence"


@transaction.atomic
def application_reverse_decision(
    *, actor, application_id: int, reason: str, expected_status: str | None = None
) -> DecisionReversal:
    """Reverse the latest grant or refusal, with a reason. The Decision row stays as it
    was; a DecisionReversal records who reversed it, when and why. The case goes back under
    review (the recommendation the decision rested on is no longer current), the firm back
    to the stage it had, and the NOC or licence the decision issued ends.

    Takes `Application.reverse_decision` and `Firm.reverse_noc | reverse_licence |
    reverse_refusal`.
    """
    reason = require_reason(reason)
    app = _lock_case(application_id, expected_status=expected_status)
    decision = (
        app.decisions.filter(
            outcome__in=[DecisionOutcome.GRANT, DecisionOutcome.REFUSE], reversal__isnull=True
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    check(app, "reverse_decision", actor=actor)
    if decision is None:
        raise RuleBroken(_("There is no decision on this case to reverse."))
    firm_transition = _firm_reversal(decision, app)
    check(app.firm, firm_transition, actor=actor)  # both checked before anything changes
    if firm_transition == "reverse_refusal" and name_problems(app.firm):
        # A refused firm's names were free for others; back on its way it may not share them.
        raise RuleBroken(
            _(
                "Another firm on the register now uses this firm's legal or trading name: the refusal "
                "cannot be reversed until one of the two firms changes it."
            )
        )

    app.decided_at = None
    take(
        app,
        "reverse_decision",
        actor=actor,
        reason=reason,
        extra_fields=["decided_at"],
        details={"decision": decision.pk, "outcome": decision.outcome},
    )
    reversal = DecisionReversal.objects.create(decision=decision, reversed_by=actor, reason=reason)
    Recommendation.objects.filter(pk=decision.recommendation_id).update(is_current=False)
    app.forget_cached_recommendation()
    if decision.outcome == DecisionOutcome.GRANT and app.kind == ApplicationKind.NOC:
        Noc.objects.filter(application=app).update(status=NocStatus.ENDED)
        # The clocks the NOC started stop with it.
        deadlines.close(
            [DeadlineKind.REGISTER_AML, DeadlineKind.NOC_VALIDITY],
            outcome=DeadlineStatus.CANCELLED,
            firm=app.firm,
        )
    elif decision.outcome == DecisionOutcome.GRANT:
        Licence.objects.filter(application=app).update(status=LicenceStatus.REVOKED)
        deadlines.close(DeadlineKind.LICENCE_RENEWAL, outcome=DeadlineStatus.CANCELLED, firm=app.firm)
        # The NOC the licence superseded is in force again while it is still valid.
        app.firm.nocs.filter(status=NocStatus.SUPERSEDED, expires_on__gte=local_today()).update(
            status=NocStatus.ACTIVE
        )
    else:
        deadlines.close(DeadlineKind.APPEAL_WINDOW, outcome=DeadlineStatus.CANCELLED, firm=app.firm)
    # The regulator owes a new decision: its clock starts again.
    deadlines.open_for(deadlines.decision_kind(app), application=app, responsible=app.assigned_officer)
    change_stage(app.firm, firm_transition, actor=actor, reason=reason, details={"decision": decision.pk})
    return reversal


# --- The firm's stage, from the staff firm page.

_FIRM_SERVICES = {
    "suspend": firm_suspend,
    "lift_suspension": firm_lift_suspension,
    "revoke": firm_revoke,
}


@transaction.atomic
def firm_stage_action(
    *, actor, firm_id: int, action: str, reason: str, expected_stage: str | None = None
) -> Firm:
    """Suspend, lift a suspension or revoke, refusing with "This case changed" when the
    firm's stage is no longer the one the person saw."""
    lock(Firm.objects, firm_id, expected_state=expected_stage, state_field="stage")
    return _FIRM_SERVICES[action](actor=actor, firm_id=firm_id, reason=reason)
