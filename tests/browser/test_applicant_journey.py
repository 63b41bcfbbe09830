"""The applicant portal in a real browser: a firm's whole journey from sign-up to an answered
information request and a withdrawn second application; a form without JavaScript, by keyboard
alone and on a phone-sized screen; and the applicant pages the journey does not pass through.
axe-core checks every page visited, error states included, and fails on any violation."""

import datetime
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from licensing import scenarios
from licensing.models import (
    Activity,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Call,
    Document,
    DocumentType,
    FirmMembership,
    FirmRole,
    ForeignLicence,
    InformationRequestStatus,
)
from licensing.services.application_people import (
    application_services_save,
    beneficial_owner_save,
    key_individual_save,
)
from licensing.services.applications import (
    application_save_section,
    application_start_review,
    information_request_create,
)
from licensing.services.documents import document_upload
from licensing.uploads import UploadRefused, check_upload
from tests.browser.conftest import new_context, sign_in
from tests.factories import FirmFactory, MembershipFactory, UserFactory
from tests.test_uploads import pdf_bytes, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tall-lantern-47-orchard"
EMAIL = "amina.khan@northwind.example"
COLLEAGUE = "bilal.ahmed@northwind.example"
LINK_IN_EMAIL = re.compile(r"https?://\S+")


def open_call(title: str, *, jurisdictions=()) -> Call:
    now = timezone.now()
    call = Call.objects.create(
        title=title,
        description=f"{title}: exchanges and custodians licensed abroad may apply for a NOC.",
        kind=ApplicationKind.NOC,
        eligible_jurisdictions=list(jurisdictions),
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
    )
    call.eligible_activities.set(Activity.objects.filter(code__in=["exchange", "custody"]))
    return call


def link_in(message, path_part: str) -> str:
    links = [link for link in LINK_IN_EMAIL.findall(message.body) if path_part in link]
    assert links, f"no link with {path_part!r} in:\n{message.body}"
    return links[0]


def write(tmp_path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def save_and_complete(page):
    page.get_by_role("button", name="Save and mark as complete").click()


def expect_task_status(page, title: str, status: str):
    row = page.locator(".task-list__item").filter(has=page.get_by_role("link", name=title, exact=True))
    expect(row).to_contain_text(status)


def complete_section(page, axe, title: str):
    """Save the section as complete; the task list says so (and is checked again)."""
    save_and_complete(page)
    expect(page.get_by_role("status").first).to_contain_text(f"“{title}” is complete.")
    expect_task_status(page, title, "Completed")
    axe(page, f"task list, {title} completed")


# --- 1. The whole journey -------------------------------------------------------------------


def test_a_new_firm_applies_answers_a_request_and_withdraws_a_second_application(
    page, axe, live_server, tmp_path, officer, browser
):
    call = open_call("NOC call for exchanges licensed in the UAE or Singapore", jurisdictions=["AE", "SG"])
    second_call = open_call("NOC call for custodians")

    # The public home page lists the open calls.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply for a virtual-asset licence")
    expect(page.get_by_role("link", name=call.title)).to_be_visible()
    axe(page, "home")

    # --- Sign up, with one mistake first: the error is listed and the email address kept.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register your firm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    axe(page, "sign up")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD + "x")
    page.get_by_role("button", name="Create account").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(page.get_by_label("Email")).to_have_value(EMAIL)
    axe(page, "sign up with an error")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    axe(page, "verification sent")

    # --- Confirm the address from the link in the email.
    (confirmation,) = [m for m in mail.outbox if EMAIL in m.to]
    page.goto(link_in(confirmation, "/accounts/confirm-email/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    axe(page, "confirm email")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not act for a firm yet")
    axe(page, "dashboard without a firm")

    # --- Register the firm, forgetting the country first.
    page.get_by_role("link", name="Register your firm").first.click()
    axe(page, "register firm")
    page.get_by_label("Legal name").fill("Northwind Digital Assets Ltd")
    page.get_by_label("Trading names").fill("Northwind\nNorthwind Exchange")
    page.get_by_label("Incorporation number").fill("KY-448812")
    page.get_by_label("Registered address").fill("Harbour Place, 103 South Church Street\nGeorge Town")
    page.get_by_label("Contact email").fill("licensing@northwind.example")
    page.get_by_role("button", name="Register firm").click()
    expect(page.locator(".error-summary")).to_contain_text("Choose the country of incorporation")
    expect(page.get_by_label("Legal name")).to_have_value("Northwind Digital Assets Ltd")
    expect(page.get_by_label("Registered address")).to_have_value(
        "Harbour Place, 103 South Church Street\nGeorge Town"
    )
    axe(page, "register firm with an error")
    page.get_by_label("Country of incorporation").select_option(label="Cayman Islands")
    page.get_by_role("button", name="Register firm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind Digital Assets Ltd")
    expect(page.get_by_role("status").first).to_contain_text("is registered")
    axe(page, "dashboard")

    # --- Add the licence it holds in the UAE on the firm profile.
    page.get_by_role("link", name="Firm profile and licences held elsewhere").click()
    axe(page, "firm profile")
    page.get_by_role("link", name="Add a licence held elsewhere").click()
    axe(page, "add a licence")
    page.get_by_label("Regulator").fill("Dubai Virtual Assets Regulatory Authority (VARA)")
    page.get_by_label("Jurisdiction").select_option(label="United Arab Emirates")
    page.get_by_label("Licence or registration number").fill("VARA-VASP-00412")
    page.get_by_label("Activity licensed").fill("Virtual-asset exchange and custody")
    page.get_by_role("button", name="Add the licence").click()
    expect(page.get_by_role("table")).to_contain_text("VARA-VASP-00412")
    axe(page, "firm profile with a licence")

    # --- Invite a colleague as a principal; the invitation goes out by email.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    axe(page, "people")
    page.get_by_label("Email address").fill(COLLEAGUE)
    page.get_by_label(re.compile(r"^Principal")).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status").first).to_contain_text(f"We emailed an invitation to {COLLEAGUE}")
    expect(page.locator("table").nth(1)).to_contain_text(COLLEAGUE)
    axe(page, "people with an invitation")
    (invitation,) = [m for m in mail.outbox if COLLEAGUE in m.to]
    assert "Northwind Digital Assets Ltd" in invitation.subject
    assert "Principal" in invitation.body
    invitation_link = link_in(invitation, "/invitations/")

    # --- Start an application under the call.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    axe(page, "dashboard with a call to apply to")
    page.get_by_role("link", name=call.title).click()
    axe(page, "call")
    page.get_by_role("button", name="Start application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Application for a No Objection Certificate (NOC)"
    )
    axe(page, "task list")
    app = Application.objects.get(firm__legal_name="Northwind Digital Assets Ltd", call=call)

    # Proposed activities and services.
    page.get_by_role("link", name="Proposed activities and services").click()
    axe(page, "services")
    page.get_by_label("Virtual-asset exchange").check()
    page.get_by_label("Describe the services").fill("Spot trading of major virtual assets for PKR.")
    page.get_by_label("Retail customers").check()
    page.get_by_label("Professional investors").check()
    page.get_by_label("Describe your target customers").fill("Adults resident in Pakistan; no US persons.")
    complete_section(page, axe, "Proposed activities and services")

    # Licences held elsewhere: confirm the list from the profile.
    page.get_by_role("link", name="Licences held elsewhere").click()
    expect(page.get_by_role("table")).to_contain_text("VARA-VASP-00412")
    axe(page, "licences elsewhere")
    page.get_by_label(re.compile("I confirm that the licences listed")).check()
    complete_section(page, axe, "Licences held elsewhere")

    # Key individuals: the four required roles, CNIC or passport; one mistake on the way.
    page.get_by_role("link", name="Key individuals").click()
    axe(page, "key individuals")
    people = [
        ("Chief Executive Officer", "Amina Khan", "12345-1234567-1", None, True),
        ("Chief Financial Officer", "Daniel Okafor", None, ("P7788123", "GB"), True),
        ("Compliance Officer", "Sara Malik", "35202-7654321-3", None, True),
        ("Money Laundering Reporting Officer (MLRO)", "Omar Farooq", "42101-1122334-5", None, True),
    ]
    for index, (role, name, cnic, passport, employee) in enumerate(people):
        page.get_by_role("link", name="Add a key individual").click()
        axe(page, f"add a key individual: {role}")
        page.get_by_label("Role").select_option(label=role)
        page.get_by_label("Full name").fill(name)
        if cnic:
            page.get_by_label("CNIC (Pakistani national)").check()
            page.get_by_label("CNIC number").fill(cnic if index else "1234-567")
            page.get_by_label("Nationality").select_option("PK")
        else:
            page.get_by_label("Passport", exact=True).check()
            page.get_by_label("Passport number").fill(passport[0])
            page.get_by_label("Country that issued the passport").select_option(passport[1])
            page.get_by_label("Nationality").select_option(passport[1])
        page.get_by_label("Date of birth").fill("1980-03-27")
        page.get_by_label("This person is employed by the firm").set_checked(employee)
        page.get_by_label("Email address").fill(f"{name.split()[0].lower()}@northwind.example")
        page.get_by_role("button", name="Save", exact=True).click()
        if index == 0:
            # A CNIC in the wrong shape: the error is at the top and beside the field.
            expect(page.locator(".error-summary").get_by_role("link")).to_have_count(1)
            expect(page.locator(".form-group--error")).to_contain_text("CNIC")
            expect(page.get_by_label("Full name")).to_have_value(name)
            axe(page, "add a key individual with an error")
            page.get_by_label("CNIC number").fill(cnic)
            page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("status").first).to_contain_text(f"{name} is saved.")
        axe(page, f"key individuals with {name}")
    complete_section(page, axe, "Key individuals")

    # Ownership: everyone above 10 %.
    page.get_by_role("link", name="Ownership").click()
    axe(page, "ownership")
    owners = [
        ("Natural person", "Amina Khan", "PK", "60", "1980-03-27", "12345-1234567-1"),
        ("Legal entity", "Gulf Ventures Holdings Ltd", "AE", "40", "", "CN-1188420"),
    ]
    for kind, name, country, percent, born, identity in owners:
        page.get_by_role("link", name="Add a beneficial owner").click()
        axe(page, f"add an owner: {kind}")
        page.get_by_role("radio", name=kind).check()
        page.get_by_label("Full name or company name").fill(name)
        page.get_by_label("Nationality or country of incorporation").select_option(country)
        page.get_by_label("Ownership (%)").fill(percent)
        if born:
            page.get_by_label("Date of birth").fill(born)
        page.get_by_label("CNIC, passport or company registration number").fill(identity)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("status").first).to_contain_text(f"{name} is saved.")
        axe(page, f"ownership with {name}")
    complete_section(page, axe, "Ownership")

    # AML/CFT programme, technology, business plan: one page each.
    page.get_by_role("link", name="AML/CFT programme").click()
    axe(page, "aml programme")
    for label in (
        "Summary of your AML/CFT policy",
        "How you assess money-laundering and terrorist-financing risk",
        "Customer due diligence",
        "Transaction monitoring",
        "Record keeping",
        "Sanctions screening",
    ):
        page.get_by_label(label).fill(f"{label}: approved by the board in March; reviewed yearly.")
    complete_section(page, axe, "AML/CFT programme")

    page.get_by_role("link", name="Technology and security").click()
    axe(page, "technology")
    for label in (
        "Trading and core systems",
        "Custody arrangements",
        "Cyber security",
        "Audits of your systems",
        "Incident response",
    ):
        page.get_by_label(label).fill(f"{label}: described in the attached policy.")
    complete_section(page, axe, "Technology and security")

    page.get_by_role("link", name="Business plan for Pakistan").click()
    axe(page, "business plan")
    page.get_by_label("Products you will offer in Pakistan").fill("Spot exchange and custody.")
    page.get_by_label("Your target market").fill("Retail and professional investors.")
    page.get_by_label("Customers you expect after three years").fill("many")
    page.get_by_label("Capital you will commit to the business in Pakistan").fill("250000000")
    page.get_by_label("Pakistani rupees (PKR)").check()
    page.get_by_label("Local presence").fill("An office in Karachi with 40 staff.")
    save_and_complete(page)
    # Nothing typed is lost; the one wrong answer is listed at the top and marked beside it.
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(page.get_by_label("Products you will offer in Pakistan")).to_have_value(
        "Spot exchange and custody."
    )
    expect(page.get_by_label("Capital you will commit to the business in Pakistan")).to_have_value(
        "250000000"
    )
    expect(page.get_by_label("Pakistani rupees (PKR)")).to_be_checked()
    axe(page, "business plan with an error")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Customers you expect after three years")).to_be_focused()
    page.get_by_label("Customers you expect after three years").fill("120000")
    complete_section(page, axe, "Business plan for Pakistan")

    # Documents: the three required types, and a program renamed .pdf refused with its reason.
    page.get_by_role("link", name="Documents").click()
    axe(page, "documents")
    bad_name, bad_content = "business-plan.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
    with pytest.raises(UploadRefused) as refused:
        check_upload(SimpleUploadedFile(bad_name, bad_content))
    page.get_by_label("Type of document").select_option(label="Business plan")
    page.get_by_label("File").set_input_files(write(tmp_path, bad_name, bad_content))
    page.get_by_role("button", name="Upload", exact=True).click()
    expected = refused.value.detail
    assert expected == (
        "business-plan.pdf says it is a PDF but its content is not a PDF document (it looks like a program)."
    )
    expect(page.locator(".error-summary")).to_contain_text(expected)
    expect(page.locator(".form-group--error .error-message")).to_contain_text(expected)
    expect(page.get_by_label("Type of document")).to_have_value(DocumentType.BUSINESS_PLAN)
    axe(page, "documents with a refused file")
    uploads = [
        ("Business plan", "business-plan.pdf", pdf_bytes("Business plan")),
        ("AML/CFT policy", "aml-policy.pdf", pdf_bytes("AML policy")),
        ("Ownership structure chart", "ownership-chart.png", png_bytes()),
    ]
    for doc_label, name, content in uploads:
        page.get_by_label("Type of document").select_option(label=doc_label)
        page.get_by_label("File").set_input_files(write(tmp_path, name, content))
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(page.get_by_role("status").first).to_contain_text(f"{name} was uploaded as version 1.")
        axe(page, f"documents with {name}")
    page.get_by_role("button", name="Mark this section as complete").click()
    expect_task_status(page, "Documents", "Completed")
    expect(page.get_by_role("heading", name="Application complete")).to_be_visible()
    axe(page, "task list complete")

    # --- Check your answers; submitting without the declaration is refused.
    page.get_by_role("link", name="Check your answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting your application"
    )
    expect(page.locator(".summary-list")).to_contain_text(["Spot trading of major virtual assets"])
    expect(page.locator("main")).to_contain_text("CNIC 12345-1234567-1")
    expect(page.locator("main")).to_contain_text("P7788123 (United Kingdom)")
    expect(page.locator("main")).to_contain_text("ownership-chart.png (v1)")
    axe(page, "check answers")
    page.get_by_role("button", name="Accept and submit").click()
    expect(page.locator(".error-summary")).to_contain_text("Confirm the declaration.")
    axe(page, "check answers with an error")
    page.get_by_label(re.compile("I confirm that the information in this application is true")).check()
    page.get_by_role("button", name="Accept and submit").click()

    # --- Confirmation with the reference.
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED
    expect(page.get_by_role("heading", level=1)).to_have_text("Application submitted")
    expect(page.locator(".panel-confirmation .reference")).to_have_text(app.reference)
    axe(page, "confirmation")
    acknowledgement = [m for m in mail.outbox if app.reference in m.subject]
    assert acknowledgement and acknowledgement[0].to == [EMAIL]

    # --- The regulator (through the services): an officer reviews and asks for more.
    application_start_review(actor=officer, application_id=app.pk)
    information_request_create(
        actor=officer,
        application_id=app.pk,
        items=["Board minutes approving the AML/CFT policy.", "The custodian agreement."],
    )

    # --- The firm answers the request in the browser: an empty answer first, then text + file.
    page.get_by_role("link", name="Follow the progress of this application").click()
    expect(page.locator(".summary-list")).to_contain_text("We need more information from you")
    axe(page, "status with a request")
    page.get_by_role("link", name="Answer the information request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Information request")
    expect(page.locator("main ol")).to_contain_text("The custodian agreement.")
    axe(page, "information request")
    page.get_by_role("button", name="Send answer").click()
    expect(page.locator(".error-summary")).to_contain_text("Write your answer.")
    axe(page, "information request with an error")
    page.get_by_label("Your answer").fill("1. Minutes attached. 2. Agreement with Gulf Custody attached.")
    page.get_by_label(re.compile(r"^Documents")).set_input_files(
        write(tmp_path, "board-minutes.pdf", pdf_bytes("Minutes"))
    )
    page.get_by_role("button", name="Send answer").click()
    expect(page.get_by_role("status").first).to_contain_text("Your answer was sent.")
    expect(page.locator("main")).to_contain_text("board-minutes.pdf")
    axe(page, "information request answered")
    page.get_by_role("link", name="Back to the application").click()
    expect(page.locator(".summary-list")).to_contain_text("Being reviewed")
    axe(page, "status being reviewed")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW
    assert app.information_requests.get().status == InformationRequestStatus.ANSWERED
    assert Document.objects.filter(application=app, information_request__isnull=False).count() == 1

    # --- The colleague accepts the invitation (their own account, signed in separately).
    colleague = UserFactory(email=COLLEAGUE, full_name="Bilal Ahmed", password=PASSWORD)
    colleague.emailaddress_set.create(email=COLLEAGUE, verified=True, primary=True)
    other = new_context(browser, live_server)
    colleague_page = other.new_page()
    colleague_page.goto(invitation_link)
    expect(colleague_page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(colleague_page.locator(".notification")).to_contain_text(
        "You have been invited to act for a firm."
    )
    axe(colleague_page, "sign in to accept an invitation")
    colleague_page.get_by_label("Email").fill(COLLEAGUE)
    colleague_page.get_by_label("Password").fill(PASSWORD)
    colleague_page.get_by_role("button", name="Sign in").click()
    accept = colleague_page.get_by_role("button", name="Accept and act for Northwind Digital Assets Ltd")
    expect(accept).to_be_visible()
    axe(colleague_page, "invitation")
    accept.click()
    expect(colleague_page.get_by_role("heading", level=1)).to_have_text("Northwind Digital Assets Ltd")
    axe(colleague_page, "colleague dashboard")
    other.close()
    assert FirmMembership.objects.filter(user=colleague, role=FirmRole.PRINCIPAL, is_active=True).exists()

    # --- A second application, under another call, started and then withdrawn.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.locator("main table")).to_contain_text(app.reference)
    axe(page, "dashboard with a submitted application")
    page.get_by_role("link", name=second_call.title).click()
    axe(page, "second call")
    page.get_by_role("button", name="Start application").click()
    axe(page, "second task list")
    second = Application.objects.get(call=second_call)
    page.get_by_role("link", name="Withdraw this application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw your application")
    axe(page, "withdraw")
    page.get_by_label("Why are you withdrawing?").fill("We will apply under the first call only.")
    page.get_by_role("button", name="Withdraw application").click()
    expect(page.get_by_role("status").first).to_contain_text("Your application was withdrawn.")
    expect(page.locator(".summary-list")).to_contain_text("Withdrawn")
    expect(page.locator(".timeline")).to_contain_text("We will apply under the first call only.")
    axe(page, "withdrawn")
    second.refresh_from_db()
    assert second.status == ApplicationStatus.WITHDRAWN
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW


# --- Shared set-up for the shorter tests ------------------------------------------------------

LONG_EMAIL = "complianceofficer.amlreporting@northwinddigitalassetsexchangeholdings.example"


def applicant(email: str = EMAIL):
    """A signed-up person with a verified address, principal of a registered firm."""
    user = UserFactory(email=email, full_name="Amina Khan", password=PASSWORD)
    user.emailaddress_set.create(email=email, verified=True, primary=True)
    firm = FirmFactory(legal_name="Northwind Digital Assets Ltd")
    MembershipFactory(firm=firm, user=user, role=FirmRole.PRINCIPAL)
    ForeignLicence.objects.create(
        firm=firm,
        regulator="Dubai Virtual Assets Regulatory Authority (VARA)",
        jurisdiction="AE",
        licence_number="VARA-VASP-00412",
        activity="Virtual-asset exchange",
    )
    return user, firm


def filled_application(user, firm) -> Application:
    """A NOC draft with realistic answers in every section (long words included)."""
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=user)
    text = "Spot trading of bitcoin and ether against PKR, with custody in segregated cold wallets. " * 3
    application_services_save(
        actor=user,
        application_id=app.pk,
        data={
            "activities": ["exchange", "custody"],
            "services_description": text,
            "customer_types": ["retail", "professional"],
            "target_customers": text,
        },
        activity_codes=["exchange", "custody"],
        completed=True,
    )
    answers = {
        "aml_programme": dict.fromkeys(
            [
                "policy_summary",
                "risk_assessment",
                "customer_due_diligence",
                "transaction_monitoring",
                "record_keeping",
                "sanctions_screening",
            ],
            text,
        ),
        "technology": dict.fromkeys(
            ["systems", "custody_arrangements", "cyber_security", "audits", "incident_response"], text
        ),
        "business_plan": {
            "products": text,
            "target_market": text,
            "projected_customers": 120000,
            "capital_amount": "250000000.00",
            "capital_currency": "PKR",
            "local_presence": text,
        },
    }
    for section, data in answers.items():
        application_save_section(
            actor=user, application_id=app.pk, section=section, data=data, completed=True
        )
    born = datetime.date(1980, 3, 27)
    for role, name in [("ceo", "Amina Khan"), ("cfo", "Daniel Okafor-Whitfield-Montgomery")]:
        key_individual_save(
            actor=user,
            application_id=app.pk,
            data={
                "role": role,
                "full_name": name,
                "identity_type": "cnic",
                "cnic": "12345-1234567-1" if role == "ceo" else "35202-7654321-3",
                "nationality": "PK",
                "date_of_birth": born,
                "is_employee": True,
                "email": LONG_EMAIL,
            },
        )
    beneficial_owner_save(
        actor=user,
        application_id=app.pk,
        data={
            "kind": "entity",
            "name": "Gulf Ventures International Holdings (Cayman) Limited Partnership",
            "country": "KY",
            "ownership_percent": "100",
            "identity_number": "CN1188420ABCDEFGHIJKLMNOPQRSTUVWXYZ0123",
        },
    )
    return Application.objects.get(pk=app.pk)


def new_page(browser, live_server, **options):
    return new_context(browser, live_server, **options).new_page()


# --- 2. Without JavaScript ------------------------------------------------------------------


def test_without_javascript_a_section_form_lists_its_errors_and_keeps_every_answer(browser, live_server, axe):
    user, firm = applicant()
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=user)
    page = new_page(browser, live_server, java_script_enabled=False, viewport={"width": 1200, "height": 900})
    sign_in(page, EMAIL, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind Digital Assets Ltd")

    page.goto(f"/applications/{app.pk}/")
    axe_without_javascript(page, axe, browser, live_server, "task list, no JavaScript")
    page.get_by_role("link", name="Business plan for Pakistan").click()
    axe_without_javascript(page, axe, browser, live_server, "section form, no JavaScript")
    page.get_by_label("Products you will offer in Pakistan").fill("Spot exchange and custody.")
    page.get_by_label("Your target market").fill("Retail and professional investors in Pakistan.")
    page.get_by_label("Customers you expect after three years").fill("about 5,000")
    page.get_by_label("Capital you will commit to the business in Pakistan").fill("250,000,000")
    page.get_by_label("US dollars (USD)").check()
    # "Local presence" left blank.
    save_and_complete(page)

    # Errors at the top, each linking to its field ...
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    links = summary.get_by_role("link")
    expect(links).to_have_count(3)
    assert [links.nth(i).get_attribute("href") for i in range(3)] == [
        "#id_projected_customers",
        "#id_capital_amount",
        "#id_local_presence",
    ]
    # ... and beside each field, which is marked invalid and described by its error.
    for name, message in [
        ("projected_customers", "Enter a whole number."),
        ("capital_amount", "Enter a number."),
        ("local_presence", "Answer this question."),
    ]:
        field = page.locator(f"#id_{name}")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#id_{name}_error")).to_contain_text(message)
        assert f"id_{name}_error" in field.get_attribute("aria-describedby").split()
        expect(page.locator(".form-group--error").filter(has=field)).to_contain_text(message)
    # Nothing typed is lost, the wrong answers included.
    expect(page.get_by_label("Products you will offer in Pakistan")).to_have_value(
        "Spot exchange and custody."
    )
    expect(page.get_by_label("Your target market")).to_have_value(
        "Retail and professional investors in Pakistan."
    )
    expect(page.get_by_label("Customers you expect after three years")).to_have_value("about 5,000")
    expect(page.get_by_label("Capital you will commit to the business in Pakistan")).to_have_value(
        "250,000,000"
    )
    expect(page.get_by_label("US dollars (USD)")).to_be_checked()
    expect(page).to_have_title(re.compile(r"^Error: "))
    axe_without_javascript(page, axe, browser, live_server, "section form with errors, no JavaScript")

    links.nth(1).click()
    expect(page).to_have_url(re.compile(r"#id_capital_amount$"))
    expect(page.get_by_label("Capital you will commit to the business in Pakistan")).to_be_focused()

    page.get_by_label("Customers you expect after three years").fill("5000")
    page.get_by_label("Capital you will commit to the business in Pakistan").fill("250000000")
    page.get_by_label("Local presence").fill("An office in Karachi.")
    save_and_complete(page)
    expect_task_status(page, "Business plan for Pakistan", "Completed")
    axe_without_javascript(page, axe, browser, live_server, "task list after the fix, no JavaScript")
    data = Application.objects.get(pk=app.pk).sections["business_plan"]["data"]
    assert data["capital_amount"] == "250000000"
    assert data["capital_currency"] == "USD"
    page.context.close()


def axe_without_javascript(page, axe, browser, live_server, label):
    """axe-core is a script: run it on this exact page (same HTML, same styles) in a twin tab
    that allows scripts, since this one does not."""
    html = page.content()
    twin = new_page(browser, live_server, viewport=page.viewport_size)
    twin.route(page.url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
    twin.goto(page.url)
    try:
        axe(twin, label)
    finally:
        twin.context.close()


# --- 3. By keyboard alone -------------------------------------------------------------------

# Every control a Tab can reach, in document order (one stop per group of radios).
TAB_STOPS_JS = """() => {
  const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]),'
    + ' select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  const seen = new Set();
  return [...document.querySelectorAll(selector)].filter((el) => {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || el.closest('[hidden]')) return false;
    if (el.type === 'radio') {
      if (seen.has(el.name)) return false;
      seen.add(el.name);
    }
    return true;
  }).map((el) => {
    if (el.type === 'radio') {
      const checked = document.querySelector(`input[type=radio][name="${el.name}"]:checked`);
      if (checked) el = checked;
    }
    return window.__describe(el);
  });
}"""

DESCRIBE_JS = """() => {
  window.__describe = (el) => {
    const name = el.id || el.getAttribute('name') || el.getAttribute('href') || '';
    return `${el.tagName.toLowerCase()}|${name}|${(el.innerText || el.value || '').trim().slice(0, 40)}`;
  };
}"""

# How each control looks without focus, to compare with how it looks focused.
UNFOCUSED_JS = """() => {
  document.activeElement && document.activeElement.blur();
  window.__unfocused = new Map();
  for (const el of document.querySelectorAll('a, button, input, select, textarea, summary')) {
    const style = getComputedStyle(el);
    window.__unfocused.set(el, {shadow: style.boxShadow, background: style.backgroundColor});
  }
}"""

FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const before = window.__unfocused.get(el) || {};
  const rect = el.getBoundingClientRect();
  return {
    id: window.__describe(el),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    // The yellow focus outline alone hardly shows against white: focus must also bring
    // the dark ring (a box-shadow) or a yellow background, as the design system draws it.
    changed: style.boxShadow !== before.shadow || style.backgroundColor !== before.background,
    onScreen: rect.right > 0 && rect.bottom > 0 && rect.left < innerWidth && rect.width > 0,
  };
}"""


def tab_through(page) -> list[str]:
    """Press Tab from the top of the page until focus leaves it; check each stop shows focus."""
    page.evaluate(DESCRIBE_JS)
    page.evaluate(UNFOCUSED_JS)
    page.evaluate("() => window.scrollTo(0, 0)")
    stops: list[str] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None or (stops and focused["id"] == stops[0]):
            return stops
        assert focused["outline"] and focused["changed"], f"focus is not clearly visible on {focused}"
        assert focused["onScreen"], f"{focused['id']} has focus but is off screen"
        stops.append(focused["id"])
    raise AssertionError(f"Tab never left the page after {len(stops)} stops")


def tab_to(page, locator, limit: int = 12) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"{locator} not reached in {limit} presses of Tab")


def test_the_sign_in_page_and_a_section_form_work_by_keyboard(page, axe, live_server):
    user, firm = applicant()
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=user)

    page.goto("/accounts/login/")
    axe(page, "sign in")
    stops = tab_through(page)
    assert stops[0].startswith("a|#main|Skip to main content")
    assert stops == page.evaluate(TAB_STOPS_JS)

    # Skip link first; Enter moves focus to the main content; then the form, by keys alone.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    expect(page.get_by_role("link", name="Skip to main content")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Forgotten your password?")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind Digital Assets Ltd")
    axe(page, "dashboard after keyboard sign-in")

    page.goto(f"/applications/{app.pk}/sections/services/")
    axe(page, "services by keyboard")
    stops = tab_through(page)
    assert stops[0].startswith("a|#main|Skip to main content")
    assert stops == page.evaluate(TAB_STOPS_JS)
    labels = [stop.split("|")[1] for stop in stops]
    assert (
        labels.index("id_activities_0")
        < labels.index("id_services_description")
        < labels.index("id_customer_types_0")
    )

    # Answer the whole section by keyboard: Space ticks a box, Enter on the button saves.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the link back to the application
    for _ in range(3):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "id_activities_0":
            break
    expect(page.locator("#id_activities_0")).to_be_focused()
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Describe the services"))  # past the other activities
    page.keyboard.type("Spot trading for PKR.")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Retail customers")).to_be_focused()
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Describe your target customers"))
    page.keyboard.type("Adults resident in Pakistan.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save and mark as complete")).to_be_focused()
    page.keyboard.press("Enter")
    expect_task_status(page, "Proposed activities and services", "Completed")
    axe(page, "task list after keyboard")


# --- 4. On a phone-sized screen -------------------------------------------------------------


OVERFLOW_JS = """() => {
  const root = document.documentElement;
  const wide = [...document.body.querySelectorAll('*')]
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
    .slice(0, 5)
    .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${el.getBoundingClientRect().right}px)`);
  return {scroll: root.scrollWidth, client: root.clientWidth, wide};
}"""


def assert_no_horizontal_scroll(page):
    widths = page.evaluate(OVERFLOW_JS)
    assert widths["scroll"] <= widths["client"], f"{page.url} scrolls sideways: {widths}"


def test_the_task_list_and_check_answers_fit_a_narrow_screen(browser, live_server, axe):
    user, firm = applicant(LONG_EMAIL)
    app = filled_application(user, firm)
    page = new_page(browser, live_server, viewport={"width": 375, "height": 800}, is_mobile=True)
    page.goto("/accounts/login/")
    assert_no_horizontal_scroll(page)
    axe(page, "sign in, narrow")
    sign_in(page, LONG_EMAIL, PASSWORD)
    for path, label in [
        ("/dashboard/", "dashboard, narrow"),
        (f"/applications/{app.pk}/", "task list, narrow"),
        (f"/applications/{app.pk}/check/", "check answers, narrow"),
        (f"/applications/{app.pk}/key-individuals/", "key individuals, narrow"),
    ]:
        page.goto(path)
        assert_no_horizontal_scroll(page)
        axe(page, label)
    expect(page.locator("main")).to_contain_text("Daniel Okafor-Whitfield-Montgomery")
    page.context.close()


# --- 5. Every other applicant page ----------------------------------------------------------


def test_every_other_applicant_page_passes_axe(page, axe, officer, approver, tmp_path):
    """The pages the journey does not pass through: account pages, the firm's other pages,
    changing and removing rows, replacing a document, the inbox, a granted NOC, the firm switcher."""
    user, firm = applicant()
    colleague = MembershipFactory(firm=firm, role=FirmRole.CONTRIBUTOR, user__full_name="Bilal Ahmed").user
    asked = scenarios.new_application(firm, ApplicationKind.NOC, actor=user)
    scenarios.complete_sections(asked, actor=user)
    scenarios.drive_application(
        asked, ApplicationStatus.INFORMATION_REQUESTED, submitter=user, officer=officer, approver=approver
    )
    draft = filled_application(user, firm)
    document = document_upload(
        actor=user,
        application_id=draft.pk,
        doc_type=DocumentType.BUSINESS_PLAN,
        uploaded_file=SimpleUploadedFile("business-plan.pdf", pdf_bytes()),
    )
    person = draft.key_individuals.first()
    owner = draft.beneficial_owners.first()
    licensed = FirmFactory(legal_name="Karakoram Custody Ltd")
    MembershipFactory(firm=licensed, user=user, role=FirmRole.SUBMITTER)
    granted = scenarios.grant_noc(licensed, submitter=user, officer=officer, approver=approver)
    call = open_call("NOC call for custodians")

    # Signed out.
    page.goto(f"/calls/{call.pk}/")
    axe(page, "call, signed out")
    page.goto("/accounts/password/reset/")
    axe(page, "password reset")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    axe(page, "password reset sent")
    page.goto("/accounts/password/reset/key/1-not-a-key/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    axe(page, "password reset link broken")

    # Signed in: first acting for the firm that holds a NOC, which does not permit it to operate.
    sign_in(page, EMAIL, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Karakoram Custody Ltd")
    expect(page.get_by_role("note")).to_contain_text("is not permitted to operate")
    axe(page, "dashboard of a NOC holder, with the firm switcher")
    page.goto(f"/applications/{granted.pk}/status/")
    expect(page.get_by_role("heading", name="Your No Objection Certificate (NOC)")).to_be_visible()
    axe(page, "status with a NOC")
    page.goto(f"/applications/{draft.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    axe(page, "another firm's application: not found")

    # The header's switcher (a plain form) changes the firm acted for.
    page.get_by_label("Acting for").select_option(label="Northwind Digital Assets Ltd (Principal)")
    page.get_by_role("button", name="Switch firm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind Digital Assets Ltd")
    axe(page, "dashboard after switching firm")
    pages = [
        ("/firm/activity/", "firm activity"),
        ("/firm/edit/", "firm profile edit"),
        (f"/firm/people/{colleague.memberships.get().pk}/remove/", "remove a person"),
        ("/information-requests/", "information requests"),
        (f"/applications/{asked.pk}/status/", "status, information requested"),
        (f"/applications/{asked.pk}/documents/", "documents of a submitted application"),
        (f"/applications/{draft.pk}/key-individuals/{person.pk}/", "change a key individual"),
        (f"/applications/{draft.pk}/key-individuals/{person.pk}/remove/", "remove a key individual"),
        (f"/applications/{draft.pk}/owners/{owner.pk}/", "change an owner"),
        (f"/applications/{draft.pk}/owners/{owner.pk}/remove/", "remove an owner"),
        (f"/applications/{draft.pk}/documents/?replace={document.pk}", "replace a document"),
        ("/invitations/not-a-real-token/", "broken invitation link"),
        ("/accounts/email/", "email addresses"),
        ("/accounts/password/change/", "change password"),
        ("/accounts/logout/", "sign out"),
    ]
    for path, label in pages:
        response = page.goto(path)
        assert response.status == (404 if "broken" in label else 200), path
        axe(page, label)

    # Two error states: a profile with a malformed e-mail address (the firm has applied, so its
    # legal name is shown but changes only by request), a wrong current password.
    page.goto("/firm/edit/")
    expect(page.get_by_label("Legal name")).to_be_disabled()
    page.get_by_label("Contact email").fill("not-an-address")
    page.get_by_role("button", name="Save the profile").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter a valid email address.")
    axe(page, "firm profile edit with an error")
    page.goto("/accounts/password/change/")
    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_label(re.compile(r"^New password$", re.I)).fill(PASSWORD + "!")
    page.get_by_label(re.compile(r"^New password \(again\)$", re.I)).fill(PASSWORD + "!")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe(page, "change password with an error")
