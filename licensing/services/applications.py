"""Actions on applications: from the first draft to the approver's decision."""

import datetime
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from licensing import numbering
from licensing.certificates import services as certificates
from licensing.models import (
    Activity,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Call,
    Decision,
    Firm,
    InformationRequest,
    InformationRequestStatus,
    Licence,
    Noc,
    Recommendation,
)
from licensing.models.applications import DecisionOutcome, RecommendationOutcome
from licensing.models.authorisations import NocStatus
from licensing.permissions import EDIT, SUBMIT, can_decide, can_for_firm
from licensing.services.common import require_reason
from licensing.services.firms import change_stage
from licensing.services.licence_prefill import firm_take_company_number, licence_application_prefill
from portal.accounts.language import language_for
from portal.audit.chain import record
from portal.dates import add_months, local_today, long_datetime
from portal.deadlines import services as deadlines
from portal.deadlines.models import DeadlineKind, DeadlineStatus
from portal.errors import FourEyesViolation, NotFound, NotPermitted, RuleBroken
from portal.transitions import check, lock, take


def _lock_application(application_id, *, expected_status=None) -> Application:
    """Lock the application, then its firm (always in that order: no deadlocks)."""
    app = lock(Application.objects, application_id, expected_state=expected_status)
    app.firm = lock(Firm.objects, app.firm_id, state_field="stage")
    return app


@transaction.atomic
def application_create(*, actor, firm_id: int, kind: str, call_id: int | None = None) -> Application:
    """Start a draft, under an open call when one is given (eligibility is checked)."""
    firm = Firm.objects.filter(pk=firm_id).first()
    if firm is None:
        raise NotFound(_("Firm not found."))
    allowed, reason = can_for_firm(actor, firm, EDIT)
    if not allowed:
        raise NotPermitted(reason)
    call = None
    if call_id is not None:
        call = Call.objects.filter(pk=call_id).first()
        if call is None:
            raise NotFound(_("Call for applications not found."))
        eligible, why = call.eligibility(firm)
        if not eligible:
            raise RuleBroken(why)
        kind = call.kind
    if kind not in ApplicationKind.values:
        raise RuleBroken(_("Unknown kind of application."), field_errors={"kind": [_("Choose a kind.")]})
    app = Application.objects.create(firm=firm, kind=kind, created_by=actor, call=call)
    prefilled = licence_application_prefill(app)  # a licence starts from the NOC's answers
    record(
        actor=actor,
        action="application.create",
        obj=app,
        to_state=app.status,
        details={"call": call.pk if call else None, **prefilled},
    )
    return app


@transaction.atomic
def application_save_section(
    *, actor, application_id: int, section: str, data: dict, completed: bool
) -> Application:
    app = _lock_application(application_id)
    allowed, reason = can_for_firm(actor, app.firm, EDIT)
    if not allowed:
        raise NotPermitted(reason)
    if app.status != ApplicationStatus.DRAFT:
        raise RuleBroken(_("Only a draft can be edited."))
    app.sections = {
        **app.sections,
        section: {"status": "completed" if completed else "in_progress", "data": data},
    }
    app.save(update_fields=["sections"])
    record(
        actor=actor,
        action="application.save_section",
        obj=app,
        details={"section": section, "completed": completed},
    )
    return app


def _send_acknowledgement(app_id: int) -> None:
    app = Application.objects.select_related("firm", "declaration_signed_by").get(pk=app_id)
    recipient = app.declaration_signed_by
    with translation.override(language_for(recipient)):  # in the signer's language (ADR 0010)
        send_mail(
            subject=_("We received your application %(ref)s") % {"ref": app.reference},
            message=_(
                "Your %(kind)s application for %(firm)s was received on %(when)s.\nReference: %(ref)s\n"
            )
            % {
                "kind": app.get_kind_display(),
                "firm": app.firm.legal_name,
                "when": long_datetime(app.submitted_at),
                "ref": app.reference,
            },
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[recipient.email],
        )
    deadlines.acknowledged(application_id=app_id)  # the receipt is the acknowledgement


@transaction.atomic
def application_submit(*, actor, application_id: int, declaration: bool) -> Application:
    """Sign the declaration and submit. Submitting an already-submitted application again
    (a double click, a resent form) returns it unchanged."""
    app = _lock_application(application_id)
    if app.status != ApplicationStatus.DRAFT and app.submitted_at is not None:
        allowed, reason = can_for_firm(actor, app.firm, SUBMIT)
        if not allowed:
            raise NotPermitted(reason)
        return app
    if not declaration:
        raise RuleBroken(
            _("You must confirm the declaration to submit."),
            field_errors={"declaration": [_("Confirm the declaration.")]},
        )
    now = timezone.now()
    app.declaration_signed_by = actor
    app.declaration_signed_at = now
    app.submitted_at = now
    extra = ["declaration_signed_by", "declaration_signed_at", "submitted_at", "reference"]
    check(app, "submit", actor=actor)  # before numbers are drawn: no gaps for refusals
    app.reference = numbering.next_application_reference(app.kind)
    if not app.firm.reference_number:
        app.firm.reference_number = numbering.next_firm_reference()
        app.firm.save(update_fields=["reference_number"])
    take(app, "submit", actor=actor, extra_fields=extra, details={"reference": app.reference})
    deadlines.open_for(DeadlineKind.ACKNOWLEDGE_SUBMISSION, application=app)
    deadlines.open_for(deadlines.decision_kind(app), application=app)
    if app.kind == ApplicationKind.LICENCE:  # filed while the NOC is valid: it will not lapse
        deadlines.close(DeadlineKind.NOC_VALIDITY, outcome=DeadlineStatus.MET, firm=app.firm)
    transaction.on_commit(lambda: _send_acknowledgement(app.pk))
    return app


@transaction.atomic
def application_start_review(
    *, actor, application_id: int, expected_status: str | None = None
) -> Application:
    """A case officer takes a submitted case; it is assigned to them unless it already is."""
    app = _lock_application(application_id, expected_status=expected_status)
    if app.assigned_officer_id is None:
        app.assigned_officer = actor
    take(app, "start_review", actor=actor, extra_fields=["assigned_officer"])
    deadlines.assign(deadlines.decision_kind(app), responsible=app.assigned_officer, application=app)
    return app


@transaction.atomic
def information_request_create(
    *,
    actor,
    application_id: int,
    items: list[str],
    due_on: datetime.date | None = None,
    expected_status: str | None = None,
) -> InformationRequest:
    items = [i.strip() for i in items if i and i.strip()]
    if not items:
        raise RuleBroken(
            _("List at least one item the firm must provide."),
            field_errors={"items": [_("Add at least one item.")]},
        )
    due_on = due_on or local_today() + datetime.timedelta(days=settings.PORTAL_INFORMATION_REQUEST_DAYS)
    if due_on <= local_today():
        raise RuleBroken(
            _("The due date must be in the future."),
            field_errors={"due_on": [_("Choose a date after today.")]},
        )
    app = _lock_application(application_id, expected_status=expected_status)
    take(app, "request_information", actor=actor, details={"items": items, "due_on": due_on})
    request = InformationRequest.objects.create(application=app, raised_by=actor, items=items, due_on=due_on)
    deadlines.pause(deadlines.decision_kind(app), reason=_("Information requested."), application=app)
    deadlines.open_for(
        DeadlineKind.ANSWER_INFORMATION_REQUEST,
        information_request=request,
        application=app,
        responsible=actor,
        due_on=due_on,
    )
    return request


@transaction.atomic
def information_request_answer(*, actor, application_id: int, response: str) -> InformationRequest:
    """The firm answers; the case returns to the same officer, flagged as changed."""
    response = (response or "").strip()
    if not response:
        raise RuleBroken(_("Write your answer."), field_errors={"response": [_("Write your answer.")]})
    app = _lock_application(application_id)
    ir = (
        InformationRequest.objects.select_for_update()
        .filter(application=app, status=InformationRequestStatus.OPEN)
        .first()
    )
    now = timezone.now()
    app.firm_changed_at = now
    take(app, "answer_information_request", actor=actor, extra_fields=["firm_changed_at"])
    ir.status = InformationRequestStatus.ANSWERED
    ir.response = response
    ir.responded_by = actor
    ir.responded_at = now
    ir.save(update_fields=["status", "response", "responded_by", "responded_at"])
    deadlines.close(
        DeadlineKind.ANSWER_INFORMATION_REQUEST, outcome=DeadlineStatus.MET, information_request=ir
    )
    deadlines.resume(deadlines.decision_kind(app), application=app)
    return ir


@transaction.atomic
def application_recommend(
    *,
    actor,
    application_id: int,
    outcome: str,
    reasons: str,
    proposed_conditions: str = "",
    expected_status: str | None = None,
) -> Recommendation:
    if outcome not in RecommendationOutcome.values:
        raise RuleBroken(_("Recommend grant or refuse."), field_errors={"outcome": [_("Choose one.")]})
    reasons = require_reason(reasons)
    app = _lock_application(application_id, expected_status=expected_status)
    take(app, "recommend", actor=actor, reason=reasons, details={"outcome": outcome})
    recommendation = Recommendation.objects.create(
        application=app,
        officer=actor,
        outcome=outcome,
        reasons=reasons,
        proposed_conditions=proposed_conditions.strip(),
    )
    app.forget_cached_recommendation()
    return recommendation


def _issue_noc(app: Application, *, actor, conditions: str, validity_months: int) -> Noc:
    issued_on = local_today()
    noc = Noc.objects.create(
        firm=app.firm,
        application=app,
        number=numbering.next_noc_number(),
        issued_on=issued_on,
        expires_on=add_months(issued_on, validity_months),
        conditions=conditions,
    )
    change_stage(app.firm, "grant_noc", actor=actor, details={"noc": noc.number})
    transaction.on_commit(partial(certificates.issue_after_commit, noc_id=noc.pk))
    deadlines.open_for(DeadlineKind.REGISTER_AML, firm=app.firm)
    deadlines.open_for(DeadlineKind.NOC_VALIDITY, firm=app.firm, due_on=noc.expires_on)
    return noc


def _grant_licence(
    app: Application, *, actor, conditions: str, validity_months: int, permitted_activity_ids=None
) -> Licence:
    issued_on = local_today()
    licence = Licence.objects.create(
        firm=app.firm,
        application=app,
        number=numbering.next_licence_number(),
        issued_on=issued_on,
        expires_on=add_months(issued_on, validity_months),
        conditions=conditions,
    )
    if permitted_activity_ids is None:
        licence.permitted_activities.set(app.activities.all())
    else:
        licence.permitted_activities.set(Activity.objects.filter(pk__in=permitted_activity_ids))
    app.firm.nocs.filter(status=NocStatus.ACTIVE).update(status=NocStatus.SUPERSEDED)
    firm_take_company_number(actor=actor, app=app)  # public from now on: the register shows it
    change_stage(app.firm, "grant_licence", actor=actor, details={"licence": licence.number})
    transaction.on_commit(partial(certificates.issue_after_commit, licence_id=licence.pk))
    deadlines.open_for(DeadlineKind.LICENCE_RENEWAL, firm=app.firm, due_on=licence.expires_on)
    return licence


@transaction.atomic
def application_decide(
    *,
    actor,
    application_id: int,
    outcome: str,
    reasons: str,
    conditions: str | None = None,
    validity_months: int | None = None,
    expected_status: str | None = None,
    permitted_activity_ids: list[int] | None = None,
) -> Decision:
    """The approver grants, refuses or sends back. Four-eyes: never the recommender.

    Ten approvers pressing "grant" at once: the first takes the row lock and decides;
    the others wait, then find the case decided and are told what it is now. Callers that
    showed the user a state pass it as `expected_status` ("this case changed: it is now …").
    """
    if outcome not in DecisionOutcome.values:
        raise RuleBroken(
            _("Decide grant, refuse or send back."), field_errors={"outcome": [_("Choose one.")]}
        )
    reasons = require_reason(reasons)
    app = _lock_application(application_id, expected_status=expected_status)
    check(
        app,
        {DecisionOutcome.GRANT: "approve", DecisionOutcome.REFUSE: "refuse"}.get(outcome, "send_back"),
        actor=None,
        state_only=True,
    )
    allowed, why = can_decide(actor, app)
    recommendation = app.current_recommendation
    if not allowed:
        if recommendation is not None and actor is not None and recommendation.officer_id == actor.pk:
            raise FourEyesViolation(why)
        raise NotPermitted(why)
    transition_name = {
        DecisionOutcome.GRANT: "approve",
        DecisionOutcome.REFUSE: "refuse",
        DecisionOutcome.SEND_BACK: "send_back",
    }[outcome]
    app.decided_at = timezone.now() if outcome != DecisionOutcome.SEND_BACK else None
    take(
        app,
        transition_name,
        actor=actor,
        reason=reasons,
        extra_fields=["decided_at"],
        details={"recommendation": recommendation.pk if recommendation else None},
    )
    decision = Decision.objects.create(
        application=app,
        recommendation=recommendation,
        recommended_by_id=recommendation.officer_id,
        approver=actor,
        outcome=outcome,
        reasons=reasons,
    )
    if outcome != DecisionOutcome.SEND_BACK:  # decided: the decision clock is met
        deadlines.close(deadlines.decision_kind(app), outcome=DeadlineStatus.MET, application=app)
    if outcome == DecisionOutcome.SEND_BACK:
        Recommendation.objects.filter(pk=recommendation.pk).update(is_current=False)
    elif outcome == DecisionOutcome.REFUSE:
        change_stage(app.firm, "refuse", actor=actor, reason=reasons)
    else:
        final_conditions = recommendation.proposed_conditions if conditions is None else conditions
        if app.kind == ApplicationKind.NOC:
            _issue_noc(
                app,
                actor=actor,
                conditions=final_conditions,
                validity_months=validity_months or settings.PORTAL_NOC_VALIDITY_MONTHS,
            )
        else:
            _grant_licence(
                app,
                actor=actor,
                conditions=final_conditions,
                validity_months=validity_months or settings.PORTAL_LICENCE_VALIDITY_MONTHS,
                permitted_activity_ids=permitted_activity_ids,
            )
    return decision


@transaction.atomic
def application_withdraw(*, actor, application_id: int, reason: str = "") -> Application:
    app = _lock_application(application_id)
    take(app, "withdraw", actor=actor, reason=(reason or "").strip())
    app.information_requests.filter(status=InformationRequestStatus.OPEN).update(
        status=InformationRequestStatus.WITHDRAWN
    )
    deadlines.close(None, outcome=DeadlineStatus.CANCELLED, application=app)
    return app


@transaction.atomic
def application_lapse(*, application_id: int, reason: str) -> Application:
    """System action: an information request went unanswered past its due date."""
    app = _lock_application(application_id)
    take(app, "lapse", actor=None, reason=reason)
    app.information_requests.filter(status=InformationRequestStatus.OPEN).update(
        status=InformationRequestStatus.LAPSED
    )
    deadlines.close(DeadlineKind.ANSWER_INFORMATION_REQUEST, outcome=DeadlineStatus.MISSED, application=app)
    deadlines.close(None, outcome=DeadlineStatus.CANCELLED, application=app)
    return app
