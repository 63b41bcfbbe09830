"""The applicant's pages after submission: status and timeline, information requests,
answers (with documents), withdrawal and the certificate details."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from licensing import scenarios
from licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Document,
    DocumentType,
    InformationRequest,
    InformationRequestStatus,
)
from licensing.services.applications import information_request_answer, information_request_create
from portal.audit.models import AuditEvent
from portal.dates import local_today
from tests.test_uploads import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

RECOMMENDATION_REASONS = "Assessment complete; see the case notes."
DECISION_REASONS = "Agreed with the officer's assessment."


@pytest.fixture
def asked(make_app):
    """An application with an open information request."""
    return make_app(ApplicationStatus.INFORMATION_REQUESTED)


def open_request(app):
    return InformationRequest.objects.get(application=app, status=InformationRequestStatus.OPEN)


def status_url(app):
    return reverse("application_status", args=[app.pk])


def ir_url(app, ir):
    return reverse("information_request_detail", args=[app.pk, ir.pk])


def withdraw_url(app):
    return reverse("application_withdraw", args=[app.pk])


def cycle_information_request(app, *, officer, principal, times):
    for i in range(times):
        information_request_create(
            actor=officer,
            application_id=app.pk,
            items=[f"Item {i}: board minutes."],
            due_on=local_today() + datetime.timedelta(days=14),
        )
        information_request_answer(actor=principal, application_id=app.pk, response=f"Answer {i}.")


# --- Status page.
@pytest.mark.parametrize(
    ("status", "label"),
    [
        (ApplicationStatus.SUBMITTED, "Received"),
        (ApplicationStatus.UNDER_REVIEW, "Being reviewed"),
        (ApplicationStatus.INFORMATION_REQUESTED, "We need more information from you"),
        (ApplicationStatus.AWAITING_DECISION, "Being reviewed"),
        (ApplicationStatus.APPROVED, "Approved"),
        (ApplicationStatus.REFUSED, "Refused"),
        (ApplicationStatus.WITHDRAWN, "Withdrawn"),
        (ApplicationStatus.LAPSED, "Lapsed"),
    ],
)
def test_the_status_page_uses_the_applicants_words(client, principal, make_app, status, label):
    app = make_app(status)
    client.force_login(principal)
    page = client.get(status_url(app)).content.decode()
    assert f">{label}</strong>" in page
    if app.reference:
        assert app.reference in page
    # Nothing internal leaks: no recommendation, its reasons, the approver's reasons, staff names.
    for secret in (RECOMMENDATION_REASONS, DECISION_REASONS, "officer@regulator.example", "approver@"):
        assert secret not in page
    assert "recommend" not in page.lower()
    assert "Awaiting decision" not in page


def test_the_timeline_shows_what_matters_to_the_firm(client, principal, asked):
    client.force_login(principal)
    page = client.get(status_url(asked)).content.decode()
    for entry in (
        "Application started",
        "Application sent to the regulator",
        "We started reviewing your application",
        "We asked you for more information",
        f"Reference: {asked.reference}",
        "Answer by",
    ):
        assert entry in page
    assert "save_section" not in page
    timeline = page[page.index('<ol class="timeline">') :]
    assert timeline.index("Application started") < timeline.index("We asked you for more information")
    assert reverse("information_request_detail", args=[asked.pk, open_request(asked).pk]) in page


def test_a_decided_timeline_shows_the_decision_without_its_reasons(client, principal, make_app):
    app = make_app(ApplicationStatus.REFUSED)
    client.force_login(principal)
    page = client.get(status_url(app)).content.decode()
    assert "Application refused" in page
    assert DECISION_REASONS not in page and RECOMMENDATION_REASONS not in page


def test_an_approved_noc_shows_its_details_and_no_download(client, principal, make_app):
    app = make_app(ApplicationStatus.APPROVED)
    noc = app.noc
    client.force_login(principal)
    page = client.get(status_url(app)).content.decode()
    assert noc.number in page
    assert "A NOC does not permit you to operate." in page
    assert noc.expires_on.strftime("%Y") in page
    assert "Not to operate until fully licensed." in page  # the NOC's conditions
    assert "Download" not in page


def test_an_approved_licence_shows_its_activities(
    client, firm, principal, officer, approver, aml_officer, activities
):
    scenarios.grant_noc(firm, submitter=principal, officer=officer, approver=approver, activities=activities)
    scenarios.register_aml(firm, submitter=principal, aml_officer=aml_officer, goaml_org_id="GOAML-1")
    app = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=principal)
    app = scenarios.drive_application(
        app,
        ApplicationStatus.APPROVED,
        submitter=principal,
        officer=officer,
        approver=approver,
        activities=activities,
    )
    client.force_login(principal)
    page = client.get(status_url(app)).content.decode()
    assert app.licence.number in page
    assert "Permitted activities" in page
    for activity in activities:
        assert activity.name in page
    assert "does not permit you to operate" not in page


def test_a_withdrawn_application_shows_the_firms_reason(client, principal, make_app):
    app = make_app(ApplicationStatus.WITHDRAWN)
    client.force_login(principal)
    page = client.get(status_url(app)).content.decode()
    assert "Application withdrawn" in page
    assert "Reason given: Changed plans" in page
    assert withdraw_url(app) not in page


# --- Information requests.
def test_the_inbox_lists_open_requests_first_with_overdue_flags(client, principal, officer, asked):
    open_ir = open_request(asked)
    information_request_answer(actor=principal, application_id=asked.pk, response="Here.")
    information_request_create(actor=officer, application_id=asked.pk, items=["Bank letters."])
    newest = open_request(asked)
    InformationRequest.objects.filter(pk=newest.pk).update(due_on=local_today() - datetime.timedelta(days=1))
    client.force_login(principal)
    page = client.get(reverse("information_requests")).content.decode()
    assert page.index("Bank letters.") < page.index("Audited financial statements")
    assert "Overdue" in page
    assert "1 request is waiting for your answer." in page
    assert ir_url(asked, open_ir) in page


def test_answering_sends_the_case_back_to_the_same_officer(client, principal, officer, asked):
    ir = open_request(asked)
    client.force_login(principal)
    page = client.get(ir_url(asked, ir)).content.decode()
    assert "Audited financial statements for the last two years." in page
    assert 'name="response"' in page

    response = client.post(ir_url(asked, ir), {"response": "Attached as requested.", "doc_type": "response"})
    assert response.status_code == 302
    app = Application.objects.get(pk=asked.pk)
    assert app.status == ApplicationStatus.UNDER_REVIEW
    assert app.firm_changed_at is not None
    assert app.assigned_officer == officer
    ir.refresh_from_db()
    assert (ir.status, ir.response, ir.responded_by) == ("answered", "Attached as requested.", principal)

    page = client.get(ir_url(asked, ir)).content.decode()
    assert "Attached as requested." in page
    assert 'name="response"' not in page
    assert "You answered our information request" in client.get(status_url(app)).content.decode()


def test_an_answer_can_carry_documents(client, contributor, asked):
    ir = open_request(asked)
    client.force_login(contributor)  # contributors may answer
    response = client.post(
        ir_url(asked, ir),
        {
            "response": "Statements attached.",
            "files": [
                SimpleUploadedFile("statements.pdf", pdf_bytes()),
                SimpleUploadedFile("chart.png", png_bytes()),
            ],
            "doc_type": "financials",
        },
    )
    assert response.status_code == 302
    documents = Document.objects.filter(information_request=ir).order_by("original_name")
    assert [d.original_name for d in documents] == ["chart.png", "statements.pdf"]
    assert {d.doc_type for d in documents} == {DocumentType.FINANCIALS}
    assert all(d.application_id == asked.pk for d in documents)
    page = client.get(ir_url(asked, ir)).content.decode()
    for document in documents:
        assert reverse("document_download", args=[document.pk]) in page


def test_a_refused_attachment_changes_nothing(client, principal, asked):
    ir = open_request(asked)
    client.force_login(principal)
    response = client.post(
        ir_url(asked, ir),
        {
            "response": "See attached.",
            "doc_type": "response",
            "files": [
                SimpleUploadedFile("ok.pdf", pdf_bytes()),
                SimpleUploadedFile("evil.pdf", b"MZ\x90\x00" + b"\x00" * 32),
            ],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "evil.pdf says it is a PDF but its content is not a PDF document" in page
    assert "See attached." in page  # what was typed is kept
    assert Application.objects.get(pk=asked.pk).status == ApplicationStatus.INFORMATION_REQUESTED
    assert not Document.objects.exists()
    assert open_request(asked).response == ""


def test_an_empty_answer_is_refused(client, principal, asked):
    ir = open_request(asked)
    client.force_login(principal)
    response = client.post(ir_url(asked, ir), {"response": "   ", "doc_type": "response"})
    assert response.status_code == 200
    assert "Write your answer." in response.content.decode()
    assert Application.objects.get(pk=asked.pk).status == ApplicationStatus.INFORMATION_REQUESTED


def test_an_answered_request_cannot_be_answered_again(client, principal, asked):
    ir = open_request(asked)
    information_request_answer(actor=principal, application_id=asked.pk, response="First.")
    client.force_login(principal)
    response = client.post(ir_url(asked, ir), {"response": "Second.", "doc_type": "response"}, follow=True)
    assert "no longer open" in response.content.decode()
    ir.refresh_from_db()
    assert ir.response == "First."


# --- Withdrawal.
def test_withdrawing_after_confirmation(client, principal, make_app):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    client.force_login(principal)
    page = client.get(withdraw_url(app)).content.decode()
    assert "You cannot undo this." in page
    assert "to apply again, you must start a new application" in page

    response = client.post(withdraw_url(app), {"reason": "We are merging with another firm."})
    assert response.status_code == 302
    assert response["Location"] == status_url(app)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN
    event = AuditEvent.objects.get(action="application.withdraw", object_id=str(app.pk))
    assert (event.actor, event.reason) == (principal, "We are merging with another firm.")


def test_withdrawing_closes_the_open_information_request(client, submitter, asked):
    client.force_login(submitter)
    assert "the open information request is closed" in client.get(withdraw_url(asked)).content.decode()
    client.post(withdraw_url(asked), {"reason": ""})
    assert Application.objects.get(pk=asked.pk).status == ApplicationStatus.WITHDRAWN
    assert not InformationRequest.objects.filter(status=InformationRequestStatus.OPEN).exists()


def test_a_contributor_cannot_withdraw_and_is_told_why(client, contributor, make_app):
    app = make_app(ApplicationStatus.SUBMITTED)
    client.force_login(contributor)
    page = client.get(withdraw_url(app)).content.decode()
    assert "Only a principal or a submitter of your firm can withdraw an application." in page
    assert '<form method="post" novalidate>' not in page
    response = client.post(withdraw_url(app), {"reason": "Trying anyway"})
    assert response.status_code == 200
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.SUBMITTED
    assert "You cannot withdraw this application." in client.get(status_url(app)).content.decode()


def test_a_decided_application_cannot_be_withdrawn(client, principal, make_app):
    app = make_app(ApplicationStatus.REFUSED)
    client.force_login(principal)
    assert "can no longer be withdrawn" in client.get(withdraw_url(app)).content.decode()
    client.post(withdraw_url(app), {"reason": "Too late"})
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.REFUSED


# --- Access.
def all_urls(app, ir):
    return [
        ("get", status_url(app)),
        ("get", ir_url(app, ir)),
        ("post", ir_url(app, ir)),
        ("get", withdraw_url(app)),
        ("post", withdraw_url(app)),
        ("get", reverse("application_documents", args=[app.pk])),
        ("post", reverse("application_documents", args=[app.pk])),
    ]


def test_an_outsider_gets_404_everywhere(client, outsider, asked):
    ir = open_request(asked)
    client.force_login(outsider)
    for method, url in all_urls(asked, ir):
        data = {"response": "Not mine", "reason": "Not mine", "action": "complete"}
        assert getattr(client, method)(url, data).status_code == 404, url
    inbox = client.get(reverse("information_requests")).content.decode()
    assert "Audited financial statements" not in inbox
    asked.refresh_from_db()
    assert asked.status == ApplicationStatus.INFORMATION_REQUESTED


def test_regulator_staff_without_a_firm_get_404(client, officer, asked):
    client.force_login(officer)
    assert client.get(status_url(asked)).status_code == 404
    assert client.get(reverse("information_requests")).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client, asked):
    ir = open_request(asked)
    for method, url in [*all_urls(asked, ir), ("get", reverse("information_requests"))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))


def test_an_information_request_of_another_application_is_404(client, principal, asked, make_app):
    other = make_app(ApplicationStatus.DRAFT)
    client.force_login(principal)
    assert client.get(ir_url(other, open_request(asked))).status_code == 404


# --- Query counts do not grow with the number of events and requests.
def test_status_page_queries_do_not_grow_with_events(
    client, principal, officer, make_app, django_assert_max_num_queries
):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    cycle_information_request(app, officer=officer, principal=principal, times=1)
    client.force_login(principal)
    with CaptureQueriesContext(connection) as one:
        assert client.get(status_url(app)).status_code == 200
    cycle_information_request(app, officer=officer, principal=principal, times=25)
    assert AuditEvent.objects.for_object(app).count() > 50
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(status_url(app)).content.decode()
    assert page.count("You answered our information request") == 26


def test_inbox_queries_do_not_grow_with_requests(
    client, principal, officer, make_app, django_assert_max_num_queries
):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    cycle_information_request(app, officer=officer, principal=principal, times=1)
    client.force_login(principal)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("information_requests")).status_code == 200
    cycle_information_request(app, officer=officer, principal=principal, times=49)
    assert InformationRequest.objects.filter(application__firm=app.firm).count() == 50
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("information_requests")).content.decode()
    assert page.count(app.reference) >= 50
