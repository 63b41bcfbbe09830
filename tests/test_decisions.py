"""Four-eyes decisions, and what a decision produces."""

import pytest
from django.db import IntegrityError, transaction

from licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Decision,
    FirmStage,
    Noc,
)
from licensing.services.applications import application_decide, application_recommend
from portal.audit.models import AuditEvent
from portal.errors import CaseChanged, FourEyesViolation, NotPermitted, TransitionNotPossible
from tests.states import application_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_approver(officer):
    """A case officer who is also an approver: the person four-eyes exists for."""
    from django.contrib.auth.models import Group

    from portal.accounts.roles import StaffRole

    officer.groups.add(Group.objects.get(name=StaffRole.APPROVER.value))
    officer.__dict__.pop("_group_name_cache", None)
    return officer


def test_approver_cannot_approve_own_recommendation(firm, submitter, officer_approver, approver):
    app = application_in(
        ApplicationStatus.AWAITING_DECISION,
        firm=firm,
        submitter=submitter,
        officer=officer_approver,
        approver=approver,
    )
    with pytest.raises(FourEyesViolation, match="four-eyes"):
        application_decide(actor=officer_approver, application_id=app.pk, outcome="grant", reasons="Fine")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.AWAITING_DECISION
    assert not Decision.objects.exists()
    assert not AuditEvent.objects.filter(action="application.approve").exists()


def test_another_approver_can_decide_what_an_officer_approver_recommended(
    firm, submitter, officer_approver, approver
):
    app = application_in(
        ApplicationStatus.AWAITING_DECISION,
        firm=firm,
        submitter=submitter,
        officer=officer_approver,
        approver=approver,
    )
    decision = application_decide(actor=approver, application_id=app.pk, outcome="grant", reasons="Ok")
    assert decision.recommended_by == officer_approver
    assert decision.approver == approver


def test_database_refuses_a_decision_by_the_recommender(firm, submitter, officer, approver):
    app = application_in(
        ApplicationStatus.AWAITING_DECISION,
        firm=firm,
        submitter=submitter,
        officer=officer,
        approver=approver,
    )
    recommendation = app.current_recommendation
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            application=app,
            recommendation=recommendation,
            recommended_by=officer,
            approver=officer,
            outcome="grant",
            reasons="Bypassing the service",
        )


def test_case_officer_cannot_decide(firm, submitter, officer, officer2, approver):
    app = application_in(
        ApplicationStatus.AWAITING_DECISION,
        firm=firm,
        submitter=submitter,
        officer=officer,
        approver=approver,
    )
    with pytest.raises(NotPermitted, match="staff role"):
        application_decide(actor=officer2, application_id=app.pk, outcome="grant", reasons="x")


def test_grant_issues_a_numbered_noc_and_moves_the_firm(firm, submitter, officer, approver):
    app = application_in(
        ApplicationStatus.AWAITING_DECISION,
        firm=firm,
        submitter=submitter,
        officer=officer,
        approver=approver,
    )
    application_decide(actor=approver, application_id=app.pk, outcome="grant", reasons="Ok")
    firm.refresh_from_db()
    noc = Noc.objects.get(application=app)
    assert firm.stage == FirmStage.NOC_HOLDER
    assert noc.number.startswith(f"NOC/{noc.issued_on.year}/")
    assert noc.conditions == "Not to operate until fully licensed."
    assert firm.stage_changes.get().to_stage == FirmStage.NOC_HOLDER


def test_send_back_returns_the_case_to_review_and_retires_the_recommendation(
    firm, submitter, officer, approver
):
    app = application_in(
        ApplicationStatus.AWAITING_DECISION,
        firm=firm,
        submitter=submitter,
        officer=officer,
        approver=approver,
    )
    application_decide(actor=approver, application_id=app.pk, outcome="send_back", reasons="More")
    app = Application.objects.get(pk=app.pk)
    assert app.status == ApplicationStatus.UNDER_REVIEW
    assert app.current_recommendation is None
    assert app.assigned_officer == officer
    # The officer recommends again; a fresh decision rests on the new recommendation.
    application_recommend(actor=officer, application_id=app.pk, outcome="refuse", reasons="Gaps")
    decision = application_decide(actor=approver, application_id=app.pk, outcome="refuse", reasons="Gaps")
    assert decision.recommendation.outcome == "refuse"
    firm.refresh_from_db()
    assert firm.stage == FirmStage.REFUSED


def test_deciding_a_case_already_decided_says_it_changed(firm, submitter, officer, approver, approver2):
    app = application_in(
        ApplicationStatus.AWAITING_DECISION,
        firm=firm,
        submitter=submitter,
        officer=officer,
        approver=approver,
    )
    application_decide(actor=approver, application_id=app.pk, outcome="grant", reasons="Ok")
    with pytest.raises(CaseChanged, match="This case changed: it is now “Approved”"):
        application_decide(
            actor=approver2,
            application_id=app.pk,
            outcome="refuse",
            reasons="No",
            expected_status=ApplicationStatus.AWAITING_DECISION,
        )
    # Without the state the user saw, the answer says what the case is now.
    with pytest.raises(
        TransitionNotPossible, match="“Refuse” is not possible: this application is now “Approved”"
    ):
        application_decide(actor=approver2, application_id=app.pk, outcome="refuse", reasons="No")


def test_licence_application_needs_aml_registration_first(firm, submitter):
    from licensing import scenarios
    from portal.errors import RuleBroken

    app = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=submitter)
    scenarios.complete_sections(app, actor=submitter)
    from licensing.services.applications import application_submit

    with pytest.raises(RuleBroken, match="not at the stage"):
        application_submit(actor=submitter, application_id=app.pk, declaration=True)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT
    assert app.reference is None
