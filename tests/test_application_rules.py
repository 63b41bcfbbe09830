"""Bad input gets a clear, specific error and changes nothing."""

import datetime

import pytest

from licensing import scenarios
from licensing.models import Application, ApplicationKind, ApplicationStatus, InformationRequest
from licensing.services import applications as services
from portal.audit.models import AuditEvent
from portal.dates import local_today
from portal.errors import NotPermitted, RuleBroken
from tests.states import application_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(firm, submitter):
    return scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)


@pytest.fixture
def under_review(firm, submitter, officer, approver):
    return application_in(
        ApplicationStatus.UNDER_REVIEW,
        firm=firm,
        submitter=submitter,
        officer=officer,
        approver=approver,
    )


def _unchanged(app, audit_rows):
    fresh = Application.objects.get(pk=app.pk)
    assert fresh.status == app.status
    assert AuditEvent.objects.count() == audit_rows


def test_incomplete_application_cannot_be_submitted(draft, submitter):
    rows = AuditEvent.objects.count()
    with pytest.raises(RuleBroken, match="Every required section must be completed"):
        services.application_submit(actor=submitter, application_id=draft.pk, declaration=True)
    _unchanged(draft, rows)
    assert Application.objects.get(pk=draft.pk).reference is None


def test_submit_needs_the_declaration(draft, submitter):
    scenarios.complete_sections(draft, actor=submitter)
    rows = AuditEvent.objects.count()
    with pytest.raises(RuleBroken) as info:
        services.application_submit(actor=submitter, application_id=draft.pk, declaration=False)
    assert "declaration" in info.value.field_errors
    _unchanged(draft, rows)


def test_contributor_cannot_submit_and_is_told_which_roles_can(draft, submitter, contributor):
    scenarios.complete_sections(draft, actor=submitter)
    with pytest.raises(NotPermitted, match="principal, submitter"):
        services.application_submit(actor=contributor, application_id=draft.pk, declaration=True)


def test_outsider_cannot_edit_another_firms_draft(draft, outsider):
    with pytest.raises(NotPermitted, match="Only people of this firm"):
        services.application_save_section(
            actor=outsider, application_id=draft.pk, section="services", data={}, completed=True
        )


def test_submitted_application_cannot_be_edited(firm, submitter, officer, approver):
    app = application_in(
        ApplicationStatus.SUBMITTED,
        firm=firm,
        submitter=submitter,
        officer=officer,
        approver=approver,
    )
    with pytest.raises(RuleBroken, match="Only a draft"):
        services.application_save_section(
            actor=submitter, application_id=app.pk, section="services", data={}, completed=True
        )


def test_double_submit_is_harmless(draft, submitter, mailoutbox, django_capture_on_commit_callbacks):
    scenarios.complete_sections(draft, actor=submitter)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.application_submit(actor=submitter, application_id=draft.pk, declaration=True)
    rows = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        second = services.application_submit(actor=submitter, application_id=draft.pk, declaration=True)
    assert first.reference == second.reference
    assert AuditEvent.objects.count() == rows
    assert len(mailoutbox) == 1
    assert first.reference in mailoutbox[0].subject
    assert mailoutbox[0].to == [submitter.email]


def test_information_request_needs_items_and_a_future_date(under_review, officer):
    with pytest.raises(RuleBroken, match="at least one item"):
        services.information_request_create(actor=officer, application_id=under_review.pk, items=[" "])
    with pytest.raises(RuleBroken, match="future"):
        services.information_request_create(
            actor=officer, application_id=under_review.pk, items=["x"], due_on=local_today()
        )
    assert not InformationRequest.objects.exists()


def test_information_request_default_due_date_is_configurable(under_review, officer, settings):
    settings.PORTAL_INFORMATION_REQUEST_DAYS = 21
    ir = services.information_request_create(actor=officer, application_id=under_review.pk, items=["x"])
    assert ir.due_on == local_today() + datetime.timedelta(days=21)


def test_answer_returns_the_case_to_the_same_officer_flagged_as_changed(under_review, officer, contributor):
    services.information_request_create(actor=officer, application_id=under_review.pk, items=["x"])
    ir = services.information_request_answer(
        actor=contributor, application_id=under_review.pk, response="Done"
    )
    app = Application.objects.get(pk=under_review.pk)
    assert app.status == ApplicationStatus.UNDER_REVIEW
    assert app.assigned_officer == officer
    assert app.firm_changed_at is not None
    assert ir.status == "answered" and ir.responded_by == contributor


def test_empty_answer_is_refused(under_review, officer, submitter):
    services.information_request_create(actor=officer, application_id=under_review.pk, items=["x"])
    with pytest.raises(RuleBroken, match="Write your answer"):
        services.information_request_answer(actor=submitter, application_id=under_review.pk, response=" ")


def test_recommendation_needs_reasons_and_no_open_request(under_review, officer):
    with pytest.raises(RuleBroken, match="reason"):
        services.application_recommend(
            actor=officer, application_id=under_review.pk, outcome="grant", reasons=""
        )
    with pytest.raises(RuleBroken, match="grant or refuse"):
        services.application_recommend(
            actor=officer, application_id=under_review.pk, outcome="maybe", reasons="x"
        )


def test_one_open_noc_application_per_firm(firm, submitter, officer, approver):
    application_in(
        ApplicationStatus.SUBMITTED,
        firm=firm,
        submitter=submitter,
        officer=officer,
        approver=approver,
    )
    second = scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    scenarios.complete_sections(second, actor=submitter)
    with pytest.raises(RuleBroken, match="already has an application"):
        services.application_submit(actor=submitter, application_id=second.pk, declaration=True)


def test_withdrawal_closes_the_open_information_request(under_review, officer, principal):
    services.information_request_create(actor=officer, application_id=under_review.pk, items=["x"])
    services.application_withdraw(actor=principal, application_id=under_review.pk, reason="Exit")
    assert InformationRequest.objects.get().status == "withdrawn"
