"""The staff case page: what it shows, its actions (buttons present exactly when allowed),
internal notes kept apart from messages to the firm, document previews, access, and a
query count that does not grow with the case."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from licensing import scenarios
from licensing.models import (
    Activity,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Decision,
    Document,
    DocumentType,
    Firm,
    FirmStage,
    FirmStageChange,
    InformationRequest,
    InformationRequestStatus,
    Licence,
    Noc,
    Recommendation,
)
from licensing.models.authorisations import LicenceStatus, NocStatus
from licensing.services.applications import (
    application_recommend,
    application_save_section,
    application_start_review,
    application_submit,
    information_request_answer,
    information_request_create,
)
from licensing.services.documents import document_upload
from licensing.staff.case_actions import APPLICATION_ACTIONS, FIRM_ACTIONS
from licensing.staff.case_services import case_note_add
from licensing.staff.models import CaseNote, CaseView, DecisionReversal, FirmMessage, MessageDirection
from portal.accounts.roles import StaffRole
from portal.audit.models import AuditEvent
from portal.dates import add_months, local_today
from portal.deadlines.models import Deadline, DeadlineKind
from tests.conftest import give_mfa
from tests.factories import UserFactory
from tests.states import application_in
from tests.test_uploads import docx_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


NOTE = "Internal: CFO references look thin; check with the home regulator."
MESSAGE = "Please send the board minutes approving the AML programme."


@pytest.fixture
def officer_approver(db):
    """A case officer who is also an approver: the person four-eyes exists for."""
    user = UserFactory(email="officer-approver@regulator.example")
    user.groups.add(
        Group.objects.get(name=StaffRole.CASE_OFFICER.value), Group.objects.get(name=StaffRole.APPROVER.value)
    )
    return give_mfa(user)


def case_url(app):
    return reverse("staff_case", args=[app.pk])


def action_url(app, name):
    return reverse("staff_case_action", args=[app.pk, name])


def firm_action_url(firm, name):
    return reverse("staff_firm_action", args=[firm.pk, name])


def upload(app, user, name, content, doc_type=DocumentType.BUSINESS_PLAN, **kwargs):
    return document_upload(
        actor=user,
        application_id=app.pk,
        doc_type=doc_type,
        uploaded_file=SimpleUploadedFile(name, content),
        **kwargs,
    )


def app_with_documents(firm, principal, officer, approver):
    """A NOC application under review whose draft carried a PDF (in two versions), a PNG
    and a DOCX, with real answers in its business plan section."""
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    first = upload(app, principal, "business-plan.pdf", pdf_bytes("v1"))
    upload(app, principal, "business-plan-v2.pdf", pdf_bytes("v2"), replaces_id=first.pk)
    upload(app, principal, "ownership.png", png_bytes(), doc_type=DocumentType.OWNERSHIP_CHART)
    upload(app, principal, "aml-policy.docx", docx_bytes(), doc_type=DocumentType.AML_POLICY)
    scenarios.complete_sections(app, actor=principal)
    application_save_section(
        actor=principal,
        application_id=app.pk,
        section="business_plan",
        data={
            "products": "Spot trading of BTC and ETH.",
            "target_market": "Retail customers in Karachi and Lahore.",
            "projected_customers": 250000,
            "capital_amount": "5000000.00",
            "capital_currency": "USD",
            "local_presence": "An office in Karachi.",
        },
        completed=True,
    )
    application_submit(actor=principal, application_id=app.pk, declaration=True)
    application_start_review(actor=officer, application_id=app.pk)
    return Application.objects.get(pk=app.pk)


def enabled_actions(page: str, app) -> set[str]:
    prefix = reverse("staff_case", args=[app.pk]) + "actions/"
    return set(re.findall(rf'href="{re.escape(prefix)}([a-z_]+)/"', page))


def disabled_actions(page: str) -> set[str]:
    return set(
        re.findall(
            r'data-action="([a-z_]+)">\s*<button type="button" class="button button--secondary" disabled',
            page,
        )
    )


def licensed_firm(firm, principal, officer, approver, aml_officer):
    activities = list(Activity.objects.filter(code__in=["exchange", "custody"]))
    scenarios.grant_noc(firm, submitter=principal, officer=officer, approver=approver, activities=activities)
    scenarios.register_aml(firm, submitter=principal, aml_officer=aml_officer, goaml_org_id="GOAML-7")
    app = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=principal)
    scenarios.drive_application(
        app,
        ApplicationStatus.APPROVED,
        submitter=principal,
        officer=officer,
        approver=approver,
        activities=activities,
    )
    return Firm.objects.get(pk=firm.pk)


# --- What the case page shows.


def test_the_case_page_shows_everything_the_firm_submitted(client, firm, principal, officer, approver):
    app = app_with_documents(firm, principal, officer, approver)
    client.force_login(officer)
    response = client.get(case_url(app))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        app.reference,
        firm.legal_name,
        reverse("staff_firm", args=[firm.pk]),
        "No Objection Certificate (NOC)",
        "Under review",
        str(officer),
        # sections of the firm's answers, from the section registry
        "Proposed activities and services",
        "AML/CFT programme",
        "Business plan for Pakistan",
        "Spot trading of BTC and ETH.",
        "Demo answer for aml programme.",  # answers outside the form's questions still show
        # documents, the newest version with its earlier one
        "business-plan-v2.pdf",
        "business-plan.pdf",
        "1 earlier version",
        "ownership.png",
        "aml-policy.docx",
        # the firm's stage history and the audit timeline
        "Firm's stage history",
        "Submitted an application",
        "Started reviewing an application",
        # notes and messages, clearly apart
        "Internal notes — staff only, never shown to the firm",
        "Messages to the firm — the firm sees these",
    ):
        assert text in page, text
    # None of the applicant's "Change" links: staff read the answers, they do not edit them.
    assert f"/applications/{app.pk}/sections/" not in page
    assert f"/applications/{app.pk}/key-individuals/" not in page


def test_pdfs_and_images_have_inline_previews_and_other_types_are_download_only(
    client, firm, principal, officer, approver
):
    app = app_with_documents(firm, principal, officer, approver)
    client.force_login(officer)
    page = client.get(case_url(app)).content.decode()
    pdf = Document.objects.get(original_name="business-plan-v2.pdf")
    png = Document.objects.get(original_name="ownership.png")
    docx = Document.objects.get(original_name="aml-policy.docx")
    assert f'<iframe src="{reverse("staff_document_preview", args=[pdf.pk])}"' in page
    assert f'<img src="{reverse("staff_document_preview", args=[png.pk])}"' in page
    assert reverse("staff_document_preview", args=[docx.pk]) not in page
    for document in (pdf, png, docx):
        assert reverse("document_download", args=[document.pk]) in page
    assert "No preview: download only" in page


def test_people_who_assign_cases_are_offered_the_assignment_page(client, make_app, officer, supervisor):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    client.force_login(officer)
    assert "Change the case officer" in client.get(case_url(app)).content.decode()
    client.force_login(supervisor)
    assert "Change the case officer" not in client.get(case_url(app)).content.decode()


def test_viewing_the_case_records_when_the_person_looked(client, make_app, officer):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    client.force_login(officer)
    before = timezone.now()
    client.get(case_url(app))
    view = CaseView.objects.get(user=officer, application=app)
    assert view.last_viewed_at >= before


def test_what_the_firm_changed_since_the_last_look_is_flagged(client, firm, principal, officer, make_app):
    app = make_app(ApplicationStatus.INFORMATION_REQUESTED)
    ir = InformationRequest.objects.get(application=app)
    client.force_login(officer)
    page = client.get(case_url(app)).content.decode()
    assert "New answer" not in page

    upload(
        app,
        principal,
        "minutes.pdf",
        pdf_bytes("minutes"),
        DocumentType.RESPONSE,
        information_request_id=ir.pk,
    )
    information_request_answer(actor=principal, application_id=app.pk, response="Board minutes attached.")
    page = client.get(case_url(app)).content.decode()
    assert "after your last review" in page  # firm_changed_at is newer than the last look
    assert "New answer" in page
    assert "Board minutes attached." in page
    assert "New since your last review" in page  # the answer's document
    assert "Uploaded a document" in page and "Answered an information request" in page

    page = client.get(case_url(app)).content.decode()  # looked again: nothing is new any more
    assert "New answer" not in page and "New since your last review" not in page


def test_an_approver_who_never_looked_sees_changes_since_the_recommendation(client, make_app, approver):
    app = make_app(ApplicationStatus.AWAITING_DECISION)
    client.force_login(approver)
    page = client.get(case_url(app)).content.decode()
    assert "changes since the last recommendation" in page


def test_the_review_history_shows_recommendations_decisions_and_the_noc(client, make_app, officer):
    app = make_app(ApplicationStatus.APPROVED)
    noc = Noc.objects.get(application=app)
    client.force_login(officer)
    page = client.get(case_url(app)).content.decode()
    for text in (
        "Assessment complete; see the case notes.",
        "Agreed with the officer&#x27;s assessment.",
        "Not to operate until fully licensed.",
        noc.number,
        "NOC holder",
        "Granted",
    ):
        assert text in page, text


# --- Internal notes and messages to the firm.


def test_an_internal_note_is_stored_audited_and_never_shown_to_the_firm(client, make_app, officer, principal):
    app = make_app(ApplicationStatus.INFORMATION_REQUESTED)
    client.force_login(officer)
    response = client.post(reverse("staff_case_note", args=[app.pk]), {"note-body": NOTE})
    assert response.status_code == 302
    note = CaseNote.objects.get(application=app)
    assert note.body == NOTE and note.author == officer
    assert not FirmMessage.objects.exists()
    event = AuditEvent.objects.get(action="case_note.add")
    assert event.actor == officer and NOTE not in str(event.details)
    page = client.get(case_url(app)).content.decode()
    internal = page[page.index('class="panel-internal"') : page.index('class="panel-to-firm"')]
    assert NOTE in internal

    client.force_login(principal)
    ir = InformationRequest.objects.get(application=app)
    for url in (
        reverse("application_status", args=[app.pk]),
        reverse("information_requests"),
        reverse("information_request_detail", args=[app.pk, ir.pk]),
        reverse("dashboard"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert NOTE not in response.content.decode(), url


def test_a_message_to_the_firm_needs_the_explicit_confirmation(client, make_app, officer):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    client.force_login(officer)
    url = reverse("staff_case_message", args=[app.pk])
    response = client.post(url, {"message-body": MESSAGE})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirm that the firm will see this message." in page
    assert MESSAGE in page  # nothing typed is lost
    assert not FirmMessage.objects.exists() and not CaseNote.objects.exists()

    response = client.post(url, {"message-body": MESSAGE, "message-confirm": "on"})
    assert response.status_code == 302
    message = FirmMessage.objects.get(application=app)
    assert message.body == MESSAGE and message.direction == MessageDirection.TO_FIRM
    assert message.author == officer
    assert not CaseNote.objects.exists()
    assert AuditEvent.objects.filter(action="firm_message.send", actor=officer).exists()


def test_the_note_and_message_forms_cannot_be_mistaken_for_each_other(client, make_app, officer):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    client.force_login(officer)
    page = client.get(case_url(app)).content.decode()
    internal = page[page.index('class="panel-internal"') : page.index('class="panel-to-firm"')]
    to_firm = page[page.index('class="panel-to-firm"') :]
    assert f'action="{reverse("staff_case_note", args=[app.pk])}"' in internal
    assert "Add internal note" in internal and "Internal note (staff only)" in internal
    assert "Send message to the firm" not in internal and "the firm will see" not in internal
    assert f'action="{reverse("staff_case_message", args=[app.pk])}"' in to_firm
    assert "Send message to the firm" in to_firm and "Message to the firm" in to_firm
    assert "I understand the firm will see this message" in to_firm
    assert "Add internal note" not in to_firm


def test_an_empty_note_is_refused_and_keeps_the_page(client, make_app, officer):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    client.force_login(officer)
    response = client.post(reverse("staff_case_note", args=[app.pk]), {"note-body": "  "})
    assert response.status_code == 200
    assert "Write the note." in response.content.decode()
    assert not CaseNote.objects.exists()


# --- Buttons: present exactly when the action is allowed for this person in this state.

ALL_APPLICATION_ACTIONS = {a.name for a in APPLICATION_ACTIONS}
_CLOSE = {"close_information_request"}
_REVERSE = {"reverse_decision"}
BUTTONS = {
    ApplicationStatus.DRAFT: {},
    ApplicationStatus.SUBMITTED: {"officer": {"start_review"}},
    ApplicationStatus.UNDER_REVIEW: {"officer": {"request_information", "recommend"}},
    ApplicationStatus.INFORMATION_REQUESTED: {"officer": {"extend_information_request", *_CLOSE}},
    ApplicationStatus.AWAITING_DECISION: {"approver": {"decide"}},
    ApplicationStatus.APPROVED: {"approver": _REVERSE},
    ApplicationStatus.REFUSED: {"approver": _REVERSE},
    ApplicationStatus.WITHDRAWN: {},
    ApplicationStatus.LAPSED: {},
}


@pytest.mark.parametrize("status", list(BUTTONS))
@pytest.mark.parametrize("role", ["officer", "approver", "aml_officer", "supervisor"])
def test_buttons_are_enabled_exactly_when_the_action_is_allowed(client, make_app, request, status, role):
    app = make_app(status)
    user = request.getfixturevalue(role)
    client.force_login(user)
    page = client.get(case_url(app)).content.decode()
    expected = BUTTONS[status].get(role, set())
    assert enabled_actions(page, app) == expected
    # Where the state allows an action the person may not take, the page says why.
    for name in disabled_actions(page):
        assert name in ALL_APPLICATION_ACTIONS
        assert f'id="why-not-{name}"' in page
    if status == ApplicationStatus.AWAITING_DECISION and role != "approver":
        assert "decide" in disabled_actions(page)
        assert "Your staff role does not include this action." in page


def test_the_recommending_officer_who_is_an_approver_cannot_decide(
    client, firm, principal, officer_approver, approver
):
    app = application_in(
        ApplicationStatus.AWAITING_DECISION,
        firm=firm,
        submitter=principal,
        officer=officer_approver,
        approver=approver,
    )
    client.force_login(officer_approver)
    page = client.get(case_url(app)).content.decode()
    assert "decide" not in enabled_actions(page, app)
    assert "decide" in disabled_actions(page)
    reason = "You recommended this decision; another approver must take it (four-eyes rule)."
    assert reason in page

    page = client.get(action_url(app, "decide")).content.decode()
    assert reason in page and 'name="reasons"' not in page

    response = client.post(
        action_url(app, "decide"),
        {
            "expected_status": "awaiting_decision",
            "outcome": "grant",
            "reasons": "Mine.",
            "validity_months": "6",
            "confirm": "on",
        },
    )
    assert response.status_code == 403
    assert "four-eyes" in response.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.AWAITING_DECISION
    assert not Decision.objects.exists()

    # Another approver may.
    client.force_login(approver)
    assert "decide" in enabled_actions(client.get(case_url(app)).content.decode(), app)


# --- Each action: happy path, the resulting state, the audit row.


def test_start_review(client, make_app, officer2):
    app = make_app(ApplicationStatus.SUBMITTED)
    client.force_login(officer2)
    page = client.get(action_url(app, "start_review")).content.decode()
    assert "What will happen" in page and 'value="submitted"' in page
    response = client.post(action_url(app, "start_review"), {"expected_status": "submitted"}, follow=True)
    assert response.redirect_chain[-1][0] == case_url(app)
    assert "“Start review” done. The case is now “Under review”." in response.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW and app.assigned_officer == officer2
    assert AuditEvent.objects.filter(action="application.start_review", actor=officer2).exists()


def test_request_information_with_items_and_a_due_date(client, make_app, officer):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    client.force_login(officer)
    due = local_today() + datetime.timedelta(days=21)
    response = client.post(
        action_url(app, "request_information"),
        {
            "expected_status": "under_review",
            "items": "Board minutes\n\nBank reference",
            "due_on": due.isoformat(),
        },
        follow=True,
    )
    assert "The case is now “Information requested”." in response.content.decode()
    ir = InformationRequest.objects.get(application=app)
    assert ir.items == ["Board minutes", "Bank reference"] and ir.due_on == due
    assert AuditEvent.objects.filter(action="application.request_information", actor=officer).exists()


def test_request_information_needs_an_item(client, make_app, officer):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    client.force_login(officer)
    due = (local_today() + datetime.timedelta(days=5)).isoformat()
    response = client.post(
        action_url(app, "request_information"),
        {"expected_status": "under_review", "items": "", "due_on": due},
    )
    assert "Add at least one item." in response.content.decode()
    assert not InformationRequest.objects.exists()


def test_a_stale_form_says_the_case_changed_and_keeps_what_was_typed(client, make_app, officer, officer2):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    client.force_login(officer)
    assert 'value="under_review"' in client.get(action_url(app, "request_information")).content.decode()
    # Meanwhile a colleague recommends.
    application_recommend(actor=officer2, application_id=app.pk, outcome="grant", reasons="All good.")
    due = (local_today() + datetime.timedelta(days=10)).isoformat()
    response = client.post(
        action_url(app, "request_information"),
        {"expected_status": "under_review", "items": "Audited accounts 2024", "due_on": due},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "This case changed: it is now “Awaiting decision”." in page
    assert "Audited accounts 2024" in page
    assert not InformationRequest.objects.exists()


def test_extend_an_information_request(client, make_app, officer):
    app = make_app(ApplicationStatus.INFORMATION_REQUESTED)
    ir = InformationRequest.objects.get(application=app)
    client.force_login(officer)
    new_due = ir.due_on + datetime.timedelta(days=7)
    response = client.post(
        action_url(app, "extend_information_request"),
        {
            "expected_status": "information_requested",
            "due_on": new_due.isoformat(),
            "reason": "Auditors away.",
        },
        follow=True,
    )
    assert "The case is now “Information requested”." in response.content.decode()
    ir.refresh_from_db()
    assert ir.due_on == new_due
    event = AuditEvent.objects.get(action="information_request.extend")
    assert event.reason == "Auditors away." and event.actor == officer
    assert event.details["to"] == new_due.isoformat()
    # The deadline engine's clock for the answer moves with it.
    deadline = Deadline.objects.get(kind=DeadlineKind.ANSWER_INFORMATION_REQUEST, information_request=ir)
    assert deadline.due_on == new_due


@pytest.mark.parametrize(
    ("days", "reason", "error"),
    [
        (0, "Auditors away.", "Choose a date after the current due date"),
        (-3, "Auditors away.", "Choose a date after the current due date"),
        (7, "", "Give a reason."),
    ],
)
def test_an_extension_needs_a_later_date_and_a_reason(client, make_app, officer, days, reason, error):
    app = make_app(ApplicationStatus.INFORMATION_REQUESTED)
    ir = InformationRequest.objects.get(application=app)
    before = ir.due_on
    client.force_login(officer)
    response = client.post(
        action_url(app, "extend_information_request"),
        {
            "expected_status": "information_requested",
            "due_on": (before + datetime.timedelta(days=days)).isoformat(),
            "reason": reason,
        },
    )
    assert error in response.content.decode()
    ir.refresh_from_db()
    assert ir.due_on == before
    assert not AuditEvent.objects.filter(action="information_request.extend").exists()


def test_the_extension_service_refuses_an_earlier_date_itself(make_app, officer):
    from licensing.staff.case_services import information_request_extend
    from portal.errors import RuleBroken

    app = make_app(ApplicationStatus.INFORMATION_REQUESTED)
    ir = InformationRequest.objects.get(application=app)
    with pytest.raises(RuleBroken) as caught:
        information_request_extend(actor=officer, application_id=app.pk, due_on=ir.due_on, reason="More time")
    assert "due_on" in caught.value.field_errors


def test_close_an_information_request(client, make_app, officer):
    app = make_app(ApplicationStatus.INFORMATION_REQUESTED)
    client.force_login(officer)
    response = client.post(
        action_url(app, "close_information_request"),
        {"expected_status": "information_requested", "reason": "Found it in the filing.", "confirm": "on"},
        follow=True,
    )
    assert "The case is now “Under review”." in response.content.decode()
    ir = InformationRequest.objects.get(application=app)
    assert ir.status == InformationRequestStatus.WITHDRAWN
    assert AuditEvent.objects.filter(action="application.close_information_request", actor=officer).exists()


def test_recommend(client, make_app, officer):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    client.force_login(officer)
    response = client.post(
        action_url(app, "recommend"),
        {
            "expected_status": "under_review",
            "outcome": "grant",
            "reasons": "Meets every requirement.",
            "proposed_conditions": "Quarterly reporting.",
        },
        follow=True,
    )
    assert "The case is now “Awaiting decision”." in response.content.decode()
    recommendation = Recommendation.objects.get(application=app)
    assert recommendation.officer == officer and recommendation.proposed_conditions == "Quarterly reporting."
    assert AuditEvent.objects.filter(action="application.recommend", actor=officer).exists()


def test_the_decision_form_is_prefilled_from_the_recommendation(client, make_app, approver, settings):
    settings.PORTAL_NOC_VALIDITY_MONTHS = 9
    app = make_app(ApplicationStatus.AWAITING_DECISION)
    client.force_login(approver)
    page = client.get(action_url(app, "decide")).content.decode()
    assert "Not to operate until fully licensed.</textarea>" in page
    assert 'name="validity_months" value="9"' in page
    assert "The recommendation you are deciding on" in page
    assert 'name="confirm"' in page


def test_granting_a_noc_needs_confirmation(client, make_app, approver):
    app = make_app(ApplicationStatus.AWAITING_DECISION)
    client.force_login(approver)
    response = client.post(
        action_url(app, "decide"),
        {
            "expected_status": "awaiting_decision",
            "outcome": "grant",
            "reasons": "Agreed.",
            "validity_months": "6",
        },
    )
    assert "Tick the box to confirm a grant or a refusal." in response.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.AWAITING_DECISION


def test_granting_a_noc_issues_it_with_its_number_validity_and_conditions(
    client, make_app, approver, settings
):
    settings.PORTAL_NOC_NUMBER_FORMAT = "NOC/{year}/{seq:04d}"
    app = make_app(ApplicationStatus.AWAITING_DECISION)
    client.force_login(approver)
    response = client.post(
        action_url(app, "decide"),
        {
            "expected_status": "awaiting_decision",
            "outcome": "grant",
            "reasons": "Agreed.",
            "conditions": "No operations before licensing.\nMonthly reports.",
            "validity_months": "4",
            "confirm": "on",
        },
        follow=True,
    )
    noc = Noc.objects.get(application=app)
    assert noc.number == f"NOC/{local_today().year}/0001"
    assert noc.expires_on == add_months(local_today(), 4)
    assert noc.conditions == "No operations before licensing.\nMonthly reports."
    page = response.content.decode()
    expires = noc.expires_on
    assert f"NOC {noc.number} issued, valid until {expires.day} {expires:%B} {expires.year}." in page
    assert "The case is now “Approved”." in page and "The firm&#x27;s stage is “NOC holder”." in page
    assert AuditEvent.objects.filter(action="application.approve", actor=approver).exists()
    assert AuditEvent.objects.filter(action="firm.grant_noc", actor=approver).exists()


def test_refusing(client, make_app, approver, firm):
    app = make_app(ApplicationStatus.AWAITING_DECISION)
    client.force_login(approver)
    client.post(
        action_url(app, "decide"),
        {
            "expected_status": "awaiting_decision",
            "outcome": "refuse",
            "reasons": "Weak controls.",
            "validity_months": "6",
            "confirm": "on",
        },
    )
    app.refresh_from_db()
    firm.refresh_from_db()
    assert app.status == ApplicationStatus.REFUSED and firm.stage == FirmStage.REFUSED
    assert AuditEvent.objects.filter(action="application.refuse", actor=approver).exists()


def test_sending_back_needs_no_confirmation(client, make_app, approver):
    app = make_app(ApplicationStatus.AWAITING_DECISION)
    client.force_login(approver)
    response = client.post(
        action_url(app, "decide"),
        {
            "expected_status": "awaiting_decision",
            "outcome": "send_back",
            "reasons": "Check the CFO.",
            "validity_months": "6",
        },
        follow=True,
    )
    assert "The case is now “Under review”." in response.content.decode()
    assert AuditEvent.objects.filter(action="application.send_back", actor=approver).exists()


def test_granting_a_licence_with_chosen_permitted_activities(
    client, firm, principal, officer, approver, aml_officer, activities
):
    scenarios.grant_noc(firm, submitter=principal, officer=officer, approver=approver, activities=activities)
    scenarios.register_aml(firm, submitter=principal, aml_officer=aml_officer, goaml_org_id="GOAML-1")
    app = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=principal)
    app = scenarios.drive_application(
        app,
        ApplicationStatus.AWAITING_DECISION,
        submitter=principal,
        officer=officer,
        approver=approver,
        activities=activities,
    )
    client.force_login(approver)
    page = client.get(action_url(app, "decide")).content.decode()
    for activity in activities:  # prefilled from what the firm applied for
        assert re.search(rf'value="{activity.pk}"[^>]*checked', page), activity
    chosen = activities[0]
    response = client.post(
        action_url(app, "decide"),
        {
            "expected_status": "awaiting_decision",
            "outcome": "grant",
            "reasons": "Agreed.",
            "conditions": "Annual audit.",
            "validity_months": "12",
            "permitted_activities": [str(chosen.pk)],
            "confirm": "on",
        },
        follow=True,
    )
    licence = Licence.objects.get(application=app)
    assert list(licence.permitted_activities.all()) == [chosen]
    assert licence.conditions == "Annual audit."
    assert f"Licence {licence.number} granted" in response.content.decode()
    firm.refresh_from_db()
    assert firm.stage == FirmStage.LICENSED


def test_a_licence_grant_needs_a_permitted_activity(
    client, firm, principal, officer, approver, aml_officer, activities
):
    scenarios.grant_noc(firm, submitter=principal, officer=officer, approver=approver, activities=activities)
    scenarios.register_aml(firm, submitter=principal, aml_officer=aml_officer, goaml_org_id="GOAML-1")
    app = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=principal)
    app = scenarios.drive_application(
        app, ApplicationStatus.AWAITING_DECISION, submitter=principal, officer=officer, approver=approver
    )
    client.force_login(approver)
    response = client.post(
        action_url(app, "decide"),
        {
            "expected_status": "awaiting_decision",
            "outcome": "grant",
            "reasons": "Agreed.",
            "validity_months": "12",
            "confirm": "on",
        },
    )
    assert "Choose at least one permitted activity." in response.content.decode()
    assert not Licence.objects.filter(application=app).exists()


def test_reversing_a_noc_grant_keeps_the_decision_and_ends_the_noc(client, make_app, approver2, firm):
    app = make_app(ApplicationStatus.APPROVED)
    decision = Decision.objects.get(application=app)
    client.force_login(approver2)
    response = client.post(
        action_url(app, "reverse_decision"),
        {"expected_status": "approved", "reason": "Granted on a forged licence.", "confirm": "on"},
        follow=True,
    )
    assert "The case is now “Under review”." in response.content.decode()
    app.refresh_from_db()
    firm.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW and firm.stage == FirmStage.APPLICANT
    assert Decision.objects.get(pk=decision.pk).outcome == "grant"  # the original record is kept
    reversal = DecisionReversal.objects.get(decision=decision)
    assert reversal.reversed_by == approver2 and reversal.reason == "Granted on a forged licence."
    assert Noc.objects.get(application=app).status == NocStatus.ENDED
    assert not Recommendation.objects.filter(application=app, is_current=True).exists()
    assert FirmStageChange.objects.filter(firm=firm, to_stage=FirmStage.APPLICANT).exists()
    assert AuditEvent.objects.filter(action="application.reverse_decision", actor=approver2).exists()


def test_reversing_a_refusal_returns_the_firm_to_its_stage(client, make_app, approver2, firm):
    app = make_app(ApplicationStatus.REFUSED)
    client.force_login(approver2)
    client.post(
        action_url(app, "reverse_decision"),
        {"expected_status": "refused", "reason": "Wrong file considered.", "confirm": "on"},
    )
    app.refresh_from_db()
    firm.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW and firm.stage == FirmStage.APPLICANT


def test_reversing_a_licence_grant_revokes_the_licence_and_restores_the_noc(
    client, firm, principal, officer, approver, approver2, aml_officer
):
    firm = licensed_firm(firm, principal, officer, approver, aml_officer)
    app = firm.applications.get(kind=ApplicationKind.LICENCE)
    client.force_login(approver2)
    client.post(
        action_url(app, "reverse_decision"),
        {"expected_status": "approved", "reason": "Capital evidence was false.", "confirm": "on"},
    )
    firm.refresh_from_db()
    assert firm.stage == FirmStage.AML_REGISTERED
    assert Licence.objects.get(application=app).status == LicenceStatus.REVOKED
    assert Noc.objects.get(firm=firm).status == NocStatus.ACTIVE
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.UNDER_REVIEW


# --- Firm-level actions, from the firm page: approver only, reason required, confirmed.


def test_suspend_lift_and_revoke_from_the_firm_page(client, firm, principal, officer, approver, aml_officer):
    firm = licensed_firm(firm, principal, officer, approver, aml_officer)
    client.force_login(approver)
    page = client.get(reverse("staff_firm", args=[firm.pk])).content.decode()
    assert firm_action_url(firm, "suspend") in page and firm_action_url(firm, "revoke") in page
    assert firm_action_url(firm, "lift_suspension") not in page

    response = client.post(
        firm_action_url(firm, "suspend"), {"expected_status": "licensed", "reason": "Hack."}
    )
    assert "Tick the box to confirm." in response.content.decode()
    response = client.post(
        firm_action_url(firm, "suspend"), {"expected_status": "licensed", "reason": "", "confirm": "on"}
    )
    assert "Give a reason." in response.content.decode()
    firm.refresh_from_db()
    assert firm.stage == FirmStage.LICENSED

    response = client.post(
        firm_action_url(firm, "suspend"),
        {"expected_status": "licensed", "reason": "Security breach.", "confirm": "on"},
        follow=True,
    )
    assert "The firm&#x27;s stage is now “Suspended”." in response.content.decode()
    assert Licence.objects.get(firm=firm).status == LicenceStatus.SUSPENDED
    assert FirmStageChange.objects.filter(
        firm=firm, to_stage=FirmStage.SUSPENDED, reason="Security breach."
    ).exists()
    assert AuditEvent.objects.filter(action="firm.suspend", actor=approver).exists()

    client.post(
        firm_action_url(firm, "lift_suspension"),
        {"expected_status": "suspended", "reason": "Fixed.", "confirm": "on"},
    )
    firm.refresh_from_db()
    assert firm.stage == FirmStage.LICENSED

    # A stale stage: the page showed "suspended", it is licensed again now.
    response = client.post(
        firm_action_url(firm, "revoke"), {"expected_status": "suspended", "reason": "Fraud.", "confirm": "on"}
    )
    assert response.status_code == 409
    assert "This case changed: it is now “Licensed”." in response.content.decode()

    client.post(
        firm_action_url(firm, "revoke"), {"expected_status": "licensed", "reason": "Fraud.", "confirm": "on"}
    )
    firm.refresh_from_db()
    assert firm.stage == FirmStage.REVOKED
    assert AuditEvent.objects.filter(action="firm.revoke", actor=approver, reason="Fraud.").exists()


def test_the_firm_page_shows_its_stage_history_certificates_and_applications(
    client, firm, principal, officer, approver, aml_officer
):
    firm = licensed_firm(firm, principal, officer, approver, aml_officer)
    client.force_login(officer)
    page = client.get(reverse("staff_firm", args=[firm.pk])).content.decode()
    for app in firm.applications.all():
        assert case_url(app) in page
    assert Licence.objects.get(firm=firm).number in page and Noc.objects.get(firm=firm).number in page
    assert "AML-registered" in page and "Licensed" in page
    # A case officer sees the firm actions as unavailable, with the reason.
    assert firm_action_url(firm, "suspend") not in page
    assert "Your staff role does not include this action." in page


# --- Access.


def _posts(app, firm):
    """Every state-changing URL of the case and firm pages."""
    yield reverse("staff_case_note", args=[app.pk]), {"note-body": "x"}
    yield reverse("staff_case_message", args=[app.pk]), {"message-body": "x", "message-confirm": "on"}
    for action in APPLICATION_ACTIONS:
        yield action_url(app, action.name), {"expected_status": app.status, "reason": "x", "confirm": "on"}
    for action in FIRM_ACTIONS:
        yield (
            firm_action_url(firm, action.name),
            {"expected_status": firm.stage, "reason": "x", "confirm": "on"},
        )


@pytest.mark.parametrize(
    "status",
    [ApplicationStatus.UNDER_REVIEW, ApplicationStatus.AWAITING_DECISION, ApplicationStatus.APPROVED],
)
def test_read_only_supervisors_get_403_on_every_action(client, make_app, supervisor, status, firm):
    app = make_app(status)
    client.force_login(supervisor)
    assert client.get(case_url(app)).status_code == 200
    for url, data in _posts(app, firm):
        assert client.post(url, data).status_code == 403, url
        if "/actions/" in url:
            assert client.get(url).status_code == 403, url
    assert not CaseNote.objects.exists() and not FirmMessage.objects.exists()
    app.refresh_from_db()
    assert app.status == status


def test_aml_officers_get_403_on_licensing_actions_but_may_add_notes(client, make_app, aml_officer, firm):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    client.force_login(aml_officer)
    for url, data in _posts(app, firm):
        expected = 302 if url == reverse("staff_case_note", args=[app.pk]) else 403
        assert client.post(url, data).status_code == expected, url
    assert CaseNote.objects.filter(author=aml_officer).exists()


def test_case_officers_cannot_act_on_firms(client, officer, firm):
    client.force_login(officer)
    for action in FIRM_ACTIONS:
        assert client.post(firm_action_url(firm, action.name), {"reason": "x"}).status_code == 403


def test_firm_users_get_403_and_anonymous_people_are_sent_to_sign_in(
    client, firm, principal, officer, approver, outsider
):
    app = app_with_documents(firm, principal, officer, approver)
    document = Document.objects.filter(application=app).first()
    urls = [
        case_url(app),
        action_url(app, "request_information"),
        reverse("staff_document_preview", args=[document.pk]),
        reverse("staff_firm", args=[firm.pk]),
        firm_action_url(firm, "suspend"),
    ]
    posts = [reverse("staff_case_note", args=[app.pk]), reverse("staff_case_message", args=[app.pk])]
    for user in (principal, outsider):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, url
        for url in posts:
            assert client.post(url, {"note-body": NOTE}).status_code == 403, url
    assert not CaseNote.objects.exists()
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"], url


def test_unknown_cases_and_actions_are_404(client, make_app, officer):
    app = make_app(ApplicationStatus.UNDER_REVIEW)
    client.force_login(officer)
    assert client.get(reverse("staff_case", args=[987654])).status_code == 404
    assert client.get(action_url(app, "delete_everything")).status_code == 404
    assert client.get(reverse("staff_document_preview", args=[987654])).status_code == 404


# --- Document previews.


@pytest.mark.parametrize(
    ("name", "content_type"), [("business-plan-v2.pdf", "application/pdf"), ("ownership.png", "image/png")]
)
def test_previews_are_inline_sandboxed_and_never_sniffed(
    client, firm, principal, officer, approver, name, content_type
):
    app_with_documents(firm, principal, officer, approver)
    document = Document.objects.get(original_name=name)
    client.force_login(officer)
    response = client.get(reverse("staff_document_preview", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # it shows inside the case page only
    assert b"".join(response.streaming_content)[:4] in (b"%PDF", b"\x89PNG")


def test_a_docx_has_no_preview_but_can_be_downloaded(client, firm, principal, officer, approver):
    app_with_documents(firm, principal, officer, approver)
    document = Document.objects.get(original_name="aml-policy.docx")
    client.force_login(officer)
    assert client.get(reverse("staff_document_preview", args=[document.pk])).status_code == 404
    response = client.get(reverse("document_download", args=[document.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")


# --- Query counts stay flat as a case grows.


def _grow(app, *, officer, principal, n):
    """n documents (each with an earlier version), n notes, n messages, n answered
    information requests, and the audit events they make."""
    now = timezone.now()
    for i in range(n):
        first = Document.objects.create(
            firm=app.firm,
            application=app,
            doc_type=DocumentType.OTHER,
            original_name=f"annex-{i}.pdf",
            file=f"documents/{app.firm_id}/aa/{i:064d}",
            content_type="application/pdf",
            size=1000 + i,
            sha256=f"{i:064d}",
            uploaded_by=principal,
        )
        Document.objects.create(
            firm=app.firm,
            application=app,
            doc_type=DocumentType.OTHER,
            original_name=f"annex-{i}-v2.png",
            file=f"documents/{app.firm_id}/bb/{i:064d}",
            content_type="image/png",
            size=2000 + i,
            sha256=f"b{i:063d}",
            version=2,
            supersedes=first,
            uploaded_by=principal,
        )
        case_note_add(actor=officer, application_id=app.pk, body=f"Note {i}")
        FirmMessage.objects.create(
            application=app, author=officer, direction=MessageDirection.TO_FIRM, body=f"M{i}"
        )
        information_request_create(
            actor=officer,
            application_id=app.pk,
            items=[f"Item {i}"],
            due_on=local_today() + datetime.timedelta(days=9),
        )
        information_request_answer(actor=principal, application_id=app.pk, response=f"Answer {i}")
    assert Document.objects.filter(application=app, uploaded_at__gte=now).count() == 2 * n


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("viewer", ["officer", "approver"])
def test_the_case_page_query_count_does_not_grow_with_the_case(
    client, firm, other_firm, principal, officer, approver, request, viewer
):
    from tests.factories import MembershipFactory

    other_principal = MembershipFactory(firm=other_firm).user
    small = application_in(
        ApplicationStatus.UNDER_REVIEW, firm=firm, submitter=principal, officer=officer, approver=approver
    )
    big = application_in(
        ApplicationStatus.UNDER_REVIEW,
        firm=other_firm,
        submitter=other_principal,
        officer=officer,
        approver=approver,
    )
    _grow(small, officer=officer, principal=principal, n=1)
    _grow(big, officer=officer, principal=other_principal, n=50)
    client.force_login(request.getfixturevalue(viewer))
    for app in (small, big):
        client.get(case_url(app))  # the first look records a CaseView; compare later looks
    small_count = _count_queries(client, case_url(small))
    big_count = _count_queries(client, case_url(big))
    assert big_count == small_count, (small_count, big_count)
    page = client.get(case_url(big)).content.decode()
    assert "annex-49-v2.png" in page and "Note 49" in page and "Answer 49" in page


def test_the_firm_page_query_count_does_not_grow(client, firm, other_firm, principal, officer, approver):
    from tests.factories import MembershipFactory

    other_principal = MembershipFactory(firm=other_firm).user
    application_in(
        ApplicationStatus.APPROVED, firm=firm, submitter=principal, officer=officer, approver=approver
    )
    for _i in range(5):
        app = application_in(
            ApplicationStatus.WITHDRAWN,
            firm=other_firm,
            submitter=other_principal,
            officer=officer,
            approver=approver,
        )
        assert app.status == ApplicationStatus.WITHDRAWN
    client.force_login(officer)
    small = _count_queries(client, reverse("staff_firm", args=[firm.pk]))
    big = _count_queries(client, reverse("staff_firm", args=[other_firm.pk]))
    assert big == small


def test_services_refuse_people_without_the_role(make_app, supervisor):
    from licensing.staff.case_services import firm_message_send
    from portal.errors import NotPermitted

    app = make_app(ApplicationStatus.UNDER_REVIEW)
    with pytest.raises(NotPermitted):
        case_note_add(actor=supervisor, application_id=app.pk, body="x")
    with pytest.raises(NotPermitted):
        firm_message_send(actor=supervisor, application_id=app.pk, body="x", confirmed=True)
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.UNDER_REVIEW
