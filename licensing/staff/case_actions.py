"""The staff actions on a case and on a firm, declared once.

Each `StaffAction` names the model transition that decides when its button shows (the
transition's source states), who may press it (the transition's permission guard, through
`portal.transitions.why_not`, which also gives the four-eyes reason) and whether the data
allows it now (the transition's conditions); the staff permission a POST needs (else 403);
the form; the service function; and whether it is irreversible (then the form asks for an
explicit confirmation). Actions that change no model state (extending an information
request) name the states they apply in and a rule instead.

The case page shows a button for every action that applies in the current state: enabled
when this person may take it now, disabled with the reason otherwise.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from licensing.models import ApplicationStatus, InformationRequestStatus
from licensing.services.applications import (
    application_decide,
    application_recommend,
    application_start_review,
    information_request_create,
)
from licensing.staff import forms_case as forms
from licensing.staff.case_services import (
    application_reverse_decision,
    firm_stage_action,
    information_request_close,
    information_request_extend,
)
from portal.transitions import unmet_conditions, why_not

APPLICATION = "application"
FIRM = "firm"

REVIEW = "licensing.review_application"
DECIDE = "licensing.decide_application"
SUPERVISE = "licensing.supervise_firm"


def _has_open_request(app) -> bool:
    return any(ir.status == InformationRequestStatus.OPEN for ir in _requests(app))


def _requests(app):
    cached = getattr(app, "_prefetched_objects_cache", {}).get("information_requests")
    return cached if cached is not None else list(app.information_requests.all())


@dataclass(frozen=True)
class StaffAction:
    name: str
    label: str
    explanation: str
    perms: tuple[str, ...]
    form_class: type
    service: Callable
    target: str = APPLICATION
    transition: str = ""
    # For actions without a transition of their own: the states they apply in, and a rule
    # returning the sentence to show when it is not met (None when met).
    states: tuple[str, ...] = ()
    rule: Callable | None = None
    irreversible: bool = False
    # A decision: the person must have signed in or re-authenticated within
    # PORTAL_STAFF_REAUTH_MINUTES (portal.accounts.reauth).
    decision: bool = False
    # Shown (disabled) in these states while the model lacks `transition`.

    # --- Where it applies and who may take it.

    def state_of(self, obj) -> str:
        return obj.stage if self.target == FIRM else obj.status

    def state_label(self, obj) -> str:
        return str(obj.get_stage_display() if self.target == FIRM else obj.get_status_display())

    def method(self, obj):
        return getattr(obj, self.transition, None) if self.transition else None

    def applies_to(self, obj) -> bool:
        """Whether the current state is one this action starts from."""
        state = self.state_of(obj)
        if self.transition:
            meta = self.method(obj)._django_fsm
            return meta.has_transition(state)
        return state in self.states

    def user_may(self, user) -> bool:
        return any(user.has_perm(p) for p in self.perms)

    def availability(self, obj, user) -> tuple[bool, str]:
        """(allowed, reason) for `user` taking this action on `obj` now."""
        if not self.applies_to(obj):
            return False, gettext("Not possible while it is “%(state)s”.") % {"state": self.state_label(obj)}
        if not self.user_may(user):
            return False, gettext("Your staff role does not include this action.")
        method = self.method(obj)
        if method is not None:
            allowed, reason = why_not(method, user)
            if not allowed:
                return False, str(reason)
            unmet = unmet_conditions(obj, method)
            if unmet:
                return False, " ".join(unmet)
        if self.rule is not None and (problem := self.rule(obj)):
            return False, str(problem)
        return True, ""

    # --- The form and the service.

    def form_kwargs(self, obj) -> dict:
        kwargs = {"obj": obj}
        if self.form_class is forms.DecideForm:
            kwargs["recommendation"] = obj.current_recommendation
        else:
            kwargs["irreversible"] = self.irreversible
        if self.form_class is forms.InformationRequestExtendForm:
            kwargs["current_due_on"] = next(
                (ir.due_on for ir in _requests(obj) if ir.status == InformationRequestStatus.OPEN), None
            )
        return kwargs

    def run(self, obj, *, actor, form):
        expected = form.cleaned_data.get("expected_status") or None
        kwargs = form.service_kwargs()
        if self.target == FIRM:
            return self.service(actor=actor, firm_id=obj.pk, expected_stage=expected, **kwargs)
        return self.service(actor=actor, application_id=obj.pk, expected_status=expected, **kwargs)


def _no_open_request(app):
    if not _has_open_request(app):
        return gettext("There is no open information request.")
    return None


APPLICATION_ACTIONS: tuple[StaffAction, ...] = (
    StaffAction(
        "start_review",
        _("Start review"),
        _(
            "The case moves to “Under review”. If nobody is assigned to it yet, it is assigned to you. "
            "The firm sees that the review has started."
        ),
        (REVIEW,),
        forms.ConfirmOnlyForm,
        application_start_review,
        transition="start_review",
    ),
    StaffAction(
        "request_information",
        _("Request information"),
        _(
            "The firm is asked for the items you list and must answer by the due date. The case moves "
            "to “Information requested” and the decision clock stops until the firm answers."
        ),
        (REVIEW,),
        forms.InformationRequestForm,
        information_request_create,
        transition="request_information",
    ),
    StaffAction(
        "extend_information_request",
        _("Extend the due date"),
        _(
            "The firm gets until the new date to answer the open information request. "
            "The extension and its reason are recorded in the audit trail."
        ),
        (REVIEW,),
        forms.InformationRequestExtendForm,
        information_request_extend,
        states=(ApplicationStatus.INFORMATION_REQUESTED,),
        rule=_no_open_request,
    ),
    StaffAction(
        "close_information_request",
        _("Close the information request"),
        _(
            "The open information request is withdrawn: the firm no longer needs to answer it. The case "
            "goes back to “Under review” and the decision clock runs again."
        ),
        (REVIEW,),
        forms.InformationRequestCloseForm,
        information_request_close,
        transition="close_information_request",
        irreversible=True,
    ),
    StaffAction(
        "recommend",
        _("Make a recommendation"),
        _(
            "Your recommendation goes to an approver, who decides. The case moves to “Awaiting "
            "decision”. You cannot take the decision on your own recommendation."
        ),
        (REVIEW,),
        forms.RecommendForm,
        application_recommend,
        transition="recommend",
    ),
    StaffAction(
        "decide",
        _("Record the decision"),
        _(
            "Grant: the NOC or licence is issued at once, with its number, validity and conditions, and "
            "the firm's stage changes. Refuse: the application is refused and the firm's stage becomes "
            "“Refused”. Send back: the case returns to the officer under review."
        ),
        (DECIDE,),
        forms.DecideForm,
        application_decide,
        transition="approve",
        irreversible=True,
        decision=True,
    ),
    StaffAction(
        "reverse_decision",
        _("Reverse the decision"),
        _(
            "The decision is kept on record and marked as reversed, with your reason. Its NOC or licence "
            "ends, the firm returns to the stage it had before, and the case goes back under review "
            "for a new recommendation."
        ),
        (DECIDE,),
        forms.ReverseDecisionForm,
        application_reverse_decision,
        transition="reverse_decision",
        irreversible=True,
        decision=True,
    ),
)

FIRM_ACTIONS: tuple[StaffAction, ...] = (
    StaffAction(
        "suspend",
        _("Suspend the firm"),
        _(
            "The firm's stage becomes “Suspended” and its licence is suspended: it may not operate. "
            "The public register shows the suspension from today."
        ),
        (SUPERVISE,),
        forms.FirmReasonForm,
        partial(firm_stage_action, action="suspend"),
        target=FIRM,
        transition="suspend",
        irreversible=True,
        decision=True,
    ),
    StaffAction(
        "lift_suspension",
        _("Lift the suspension"),
        _("The firm is licensed again and its licence is active. The public register shows it from today."),
        (SUPERVISE,),
        forms.FirmReasonForm,
        partial(firm_stage_action, action="lift_suspension"),
        target=FIRM,
        transition="lift_suspension",
        irreversible=True,
        decision=True,
    ),
    StaffAction(
        "revoke",
        _("Revoke the licence"),
        _(
            "The firm's licence is revoked and its stage becomes “Revoked”, an end state: it may not "
            "operate again without a new licence. The public register shows the revocation."
        ),
        (SUPERVISE,),
        forms.FirmReasonForm,
        partial(firm_stage_action, action="revoke"),
        target=FIRM,
        transition="revoke",
        irreversible=True,
        decision=True,
    ),
)

_BY_NAME = {
    APPLICATION: {a.name: a for a in APPLICATION_ACTIONS},
    FIRM: {a.name: a for a in FIRM_ACTIONS},
}


def get_action(target: str, name: str) -> StaffAction | None:
    return _BY_NAME[target].get(name)


def buttons(actions, obj, user, url: Callable[[StaffAction], str]) -> list[dict]:
    """The actions that apply in the current state, each allowed or with the reason why not."""
    rows = []
    for action in actions:
        if not action.applies_to(obj):
            continue
        allowed, reason = action.availability(obj, user)
        rows.append(
            {
                "name": action.name,
                "label": action.label,
                "allowed": allowed,
                "reason": reason,
                "url": url(action),
                "warning": action.irreversible,
            }
        )
    return rows
