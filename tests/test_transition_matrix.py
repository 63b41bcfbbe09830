"""Table-driven transition matrix: every action × every role × every state.

Allowed combinations succeed and write exactly one audit row for that transition;
all others are refused with a domain error and change nothing.
"""

import datetime

import pytest
from django.contrib.auth.models import Group

from aml.models import AmlRegistration, AmlStatus
from aml.services import aml_registration_register, aml_registration_return, aml_registration_submit
from licensing.models import Application, ApplicationStatus, Firm, FirmRole, FirmStage
from licensing.services import applications as app_services
from licensing.services import firms as firm_services
from licensing.staff import case_services
from portal.accounts.roles import StaffRole
from portal.audit.models import AuditEvent
from portal.dates import local_today
from portal.errors import DomainError
from tests.factories import FirmFactory, MembershipFactory, UserFactory
from tests.states import application_in

pytestmark = pytest.mark.django_db

ROLES = [
    "system",
    "principal",
    "submitter",
    "contributor",
    "outsider",
    "case_officer",
    "approver",
    "aml_officer",
    "supervisor",
    "administrator",
]
STAFF_GROUP = {
    "case_officer": StaffRole.CASE_OFFICER,
    "approver": StaffRole.APPROVER,
    "aml_officer": StaffRole.AML_OFFICER,
    "supervisor": StaffRole.SUPERVISOR,
    "administrator": StaffRole.ADMINISTRATOR,
}
FIRM_ROLE = {
    "principal": FirmRole.PRINCIPAL,
    "submitter": FirmRole.SUBMITTER,
    "contributor": FirmRole.CONTRIBUTOR,
}


class Cast:
    """The people of one test: firm members, an outsider, the staff, and the pipeline's own
    officer and approver (who build the states, so four-eyes never blocks the matrix)."""

    def __init__(self):
        self.firm = FirmFactory()
        self.people = {"system": None}
        for key, role in FIRM_ROLE.items():
            self.people[key] = MembershipFactory(firm=self.firm, role=role).user
        self.people["outsider"] = MembershipFactory(role=FirmRole.PRINCIPAL).user
        for key, role in STAFF_GROUP.items():
            user = UserFactory()
            user.groups.add(Group.objects.get(name=role.value))
            if key == "administrator":
                user.is_staff = user.is_superuser = True
                user.save()
            self.people[key] = user
        self.pipeline_officer = UserFactory()
        self.pipeline_officer.groups.add(Group.objects.get(name=StaffRole.CASE_OFFICER.value))
        self.pipeline_approver = UserFactory()
        self.pipeline_approver.groups.add(Group.objects.get(name=StaffRole.APPROVER.value))


@pytest.fixture
def cast(db):
    return Cast()


def _expect_outcome(call, *, allowed, read_state, action, idempotent=False):
    before_state = read_state()
    before_rows = AuditEvent.objects.filter(action=action).count()
    if idempotent:
        call()
        assert read_state() == before_state
        assert AuditEvent.objects.filter(action=action).count() == before_rows
    elif allowed:
        call()
        assert read_state() != before_state, f"{action} did not change the state"
        assert AuditEvent.objects.filter(action=action).count() == before_rows + 1
    else:
        with pytest.raises(DomainError):
            call()
        assert read_state() == before_state
        assert AuditEvent.objects.filter(action=action).count() == before_rows


# --- Applications -----------------------------------------------------------------------
S = ApplicationStatus
OPEN = {S.SUBMITTED, S.UNDER_REVIEW, S.INFORMATION_REQUESTED, S.AWAITING_DECISION}
STAFF_REVIEW = {"case_officer", "administrator"}
STAFF_DECIDE = {"approver", "administrator"}


def _due():
    return local_today() + datetime.timedelta(days=10)


APPLICATION_ACTIONS = {
    # name: (sources, roles allowed, audited action, call(actor, app))
    "submit": (
        {S.DRAFT},
        {"principal", "submitter"},
        "application.submit",
        lambda actor, app: app_services.application_submit(
            actor=actor, application_id=app.pk, declaration=True
        ),
    ),
    "start_review": (
        {S.SUBMITTED},
        STAFF_REVIEW,
        "application.start_review",
        lambda actor, app: app_services.application_start_review(actor=actor, application_id=app.pk),
    ),
    "request_information": (
        {S.UNDER_REVIEW},
        STAFF_REVIEW,
        "application.request_information",
        lambda actor, app: app_services.information_request_create(
            actor=actor, application_id=app.pk, items=["Board minutes"], due_on=_due()
        ),
    ),
    "answer": (
        {S.INFORMATION_REQUESTED},
        {"principal", "submitter", "contributor"},
        "application.answer_information_request",
        lambda actor, app: app_services.information_request_answer(
            actor=actor, application_id=app.pk, response="Here they are."
        ),
    ),
    "recommend": (
        {S.UNDER_REVIEW},
        STAFF_REVIEW,
        "application.recommend",
        lambda actor, app: app_services.application_recommend(
            actor=actor, application_id=app.pk, outcome="grant", reasons="Meets the criteria."
        ),
    ),
    "grant": (
        {S.AWAITING_DECISION},
        STAFF_DECIDE,
        "application.approve",
        lambda actor, app: app_services.application_decide(
            actor=actor, application_id=app.pk, outcome="grant", reasons="Agreed."
        ),
    ),
    "refuse": (
        {S.AWAITING_DECISION},
        STAFF_DECIDE,
        "application.refuse",
        lambda actor, app: app_services.application_decide(
            actor=actor, application_id=app.pk, outcome="refuse", reasons="Not fit."
        ),
    ),
    "send_back": (
        {S.AWAITING_DECISION},
        STAFF_DECIDE,
        "application.send_back",
        lambda actor, app: app_services.application_decide(
            actor=actor, application_id=app.pk, outcome="send_back", reasons="Check ownership."
        ),
    ),
    "close_information_request": (
        {S.INFORMATION_REQUESTED},
        STAFF_REVIEW,
        "application.close_information_request",
        lambda actor, app: case_services.information_request_close(
            actor=actor, application_id=app.pk, reason="Answered by phone; not needed"
        ),
    ),
    "reverse_decision": (
        {S.APPROVED, S.REFUSED},
        STAFF_DECIDE,
        "application.reverse_decision",
        lambda actor, app: case_services.application_reverse_decision(
            actor=actor, application_id=app.pk, reason="The decision rested on false evidence"
        ),
    ),
    "withdraw": (
        {S.DRAFT, *OPEN},
        {"principal", "submitter"},
        "application.withdraw",
        lambda actor, app: app_services.application_withdraw(
            actor=actor, application_id=app.pk, reason="No longer needed"
        ),
    ),
    "lapse": (
        {S.INFORMATION_REQUESTED},
        {"system"},
        "application.lapse",
        lambda actor, app: (
            app_services.application_lapse(application_id=app.pk, reason="Unanswered")
            if actor is None
            else _as_person_lapse(actor, app)
        ),
    ),
}


def _as_person_lapse(actor, app):
    """Lapsing is a system job: a person asking for it is refused by the permission."""
    from django.db import transaction

    from portal.transitions import lock, take

    with transaction.atomic():
        locked = lock(Application.objects, app.pk)
        take(locked, "lapse", actor=actor, reason="by hand")


@pytest.mark.parametrize("status", list(ApplicationStatus))
@pytest.mark.parametrize("action", list(APPLICATION_ACTIONS))
def test_application_transition_matrix(cast, action, status):
    sources, roles, audited, call = APPLICATION_ACTIONS[action]
    for role in ROLES:
        # Test set-up only: a decided application moved the firm on; start each role afresh.
        Firm.objects.filter(pk=cast.firm.pk).update(stage=FirmStage.APPLICANT)
        app = application_in(
            status,
            firm=cast.firm,
            submitter=cast.people["submitter"],
            officer=cast.pipeline_officer,
            approver=cast.pipeline_approver,
        )
        _expect_outcome(
            lambda role=role, app=app: call(cast.people[role], app),
            allowed=status in sources and role in roles,
            read_state=lambda app=app: Application.objects.get(pk=app.pk).status,
            action=audited,
            # Submitting again what was already submitted is harmless: no error, no change.
            idempotent=action == "submit"
            and status != S.DRAFT
            and role in roles
            and app.submitted_at is not None,
        )
        # One open application of a kind per firm: clear the way for the next role.
        if Application.objects.get(pk=app.pk).status in OPEN | {S.DRAFT}:
            app_services.application_withdraw(
                actor=cast.people["principal"], application_id=app.pk, reason="next"
            )


# --- Firm stages --------------------------------------------------------------------------
F = FirmStage
FIRM_ACTIONS = {
    "suspend": ({F.LICENSED}, {"approver", "administrator"}, firm_services.firm_suspend),
    "lift_suspension": (
        {F.SUSPENDED},
        {"approver", "administrator"},
        firm_services.firm_lift_suspension,
    ),
    "revoke": ({F.LICENSED, F.SUSPENDED}, {"approver", "administrator"}, firm_services.firm_revoke),
    "surrender": (
        {F.LICENSED, F.SUSPENDED},
        {"principal", "approver", "administrator"},
        firm_services.firm_surrender,
    ),
    "lapse_noc": ({F.NOC_HOLDER, F.AML_REGISTERED}, {"system"}, None),
    # The service (firm_expire_licence) also needs a licence past its expiry: tests/test_operating_status.py.
    "expire_licence": ({F.LICENSED, F.SUSPENDED}, {"system"}, None),
}


def _call_firm_action(name, service, actor, firm):
    if name == "expire_licence":
        from django.db import transaction

        from portal.transitions import lock, take

        with transaction.atomic():
            take(lock(Firm.objects, firm.pk), "expire_licence", actor=actor)
        return None
    if name == "lapse_noc":
        if actor is None:
            return firm_services.firm_lapse_noc(firm_id=firm.pk, reason="NOC expired")
        from django.db import transaction

        from portal.transitions import lock, take

        with transaction.atomic():
            take(lock(Firm.objects, firm.pk), "lapse_noc", actor=actor)
        return None
    return service(actor=actor, firm_id=firm.pk, reason="Because the record shows it")


@pytest.mark.parametrize("stage", list(FirmStage))
@pytest.mark.parametrize("action", list(FIRM_ACTIONS))
def test_firm_stage_transition_matrix(cast, action, stage):
    sources, roles, service = FIRM_ACTIONS[action]
    for role in ROLES:
        # Test set-up only: put the firm straight into the stage under test.
        Firm.objects.filter(pk=cast.firm.pk).update(stage=stage)
        _expect_outcome(
            lambda role=role: _call_firm_action(action, service, cast.people[role], cast.firm),
            allowed=stage in sources and role in roles,
            read_state=lambda: Firm.objects.get(pk=cast.firm.pk).stage,
            action=f"firm.{action}",
        )


# --- AML registrations ----------------------------------------------------------------------
A = AmlStatus
AML_ACTIONS = {
    "submit": (
        {A.NOT_STARTED, A.RETURNED},
        {"principal", "submitter", "contributor"},
        "amlregistration.submit",
        lambda actor, reg: aml_registration_submit(
            actor=actor,
            firm_id=reg.firm_id,
            goaml_org_id="GOAML-77",
            goaml_registered_on=local_today(),
            mlro_name="Ayesha Khan",
            compliance_officer_name="Bilal Ahmed",
        ),
    ),
    "register": (
        {A.SUBMITTED},
        {"aml_officer", "administrator"},
        "amlregistration.register",
        lambda actor, reg: aml_registration_register(actor=actor, registration_id=reg.pk),
    ),
    "return": (
        {A.SUBMITTED},
        {"aml_officer", "administrator"},
        "amlregistration.return_for_remedy",
        lambda actor, reg: aml_registration_return(
            actor=actor, registration_id=reg.pk, remedial_actions=["Name a resident MLRO"]
        ),
    ),
}


@pytest.mark.parametrize("status", list(AmlStatus))
@pytest.mark.parametrize("action", list(AML_ACTIONS))
def test_aml_registration_transition_matrix(cast, action, status):
    sources, roles, audited, call = AML_ACTIONS[action]
    registration = AmlRegistration.objects.create(firm=cast.firm, goaml_org_id="GOAML-1")
    for role in ROLES:
        # Test set-up only: firm holds a NOC, registration in the status under test.
        Firm.objects.filter(pk=cast.firm.pk).update(stage=FirmStage.NOC_HOLDER)
        AmlRegistration.objects.filter(pk=registration.pk).update(status=status)
        _expect_outcome(
            lambda role=role: call(cast.people[role], registration),
            allowed=status in sources and role in roles,
            read_state=lambda: AmlRegistration.objects.get(pk=registration.pk).status,
            action=audited,
        )
