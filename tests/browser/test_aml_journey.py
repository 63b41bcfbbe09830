"""The AML registration in a real browser: a NOC holder files it, an AML officer returns it
with remedial actions, the firm puts things right and files again, the officer registers it
with the AML-registered services; the firm's stage and the registry follow. The firm user
and the officer each have their own browser context; axe-core checks every page visited."""

import re

import pytest
from playwright.sync_api import expect

from aml.models import AmlRegistration, AmlStatus
from licensing import scenarios
from licensing.models import Activity, FirmRole, FirmStage
from tests.browser.conftest import new_context, sign_in
from tests.conftest import totp_code
from tests.factories import FirmFactory, MembershipFactory
from tests.test_uploads import pdf_bytes

pytestmark = [
    pytest.mark.browser,
    # live_server makes every test transactional. The flush after each one is followed by
    # post_migrate, which puts back the staff groups, activities and deadline rules; no
    # serialized_rollback, which would insert them a second time after a plain transactional test.
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's
FIRM = "Northwind Digital Assets Ltd"


def verified(user):
    user.emailaddress_set.create(email=user.email, verified=True, primary=True)
    return user


def staff_sign_in(page, user):
    sign_in(page, user.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def fill_answers(page, *, mlro_name="Omar Farooq"):
    page.get_by_label("goAML organisation ID").fill("GOAML-PK-0042")
    page.get_by_label("Date of the goAML registration").fill("2026-01-05")
    page.get_by_label("Compliance Officer's full name").fill("Sara Malik")
    page.get_by_label("Compliance Officer's email address").fill("sara.malik@northwind.example")
    page.get_by_label("The Compliance Officer is employed by the firm").check()
    page.get_by_label("MLRO's full name").fill(mlro_name)
    page.get_by_label("MLRO's email address").fill("mlro@northwind.example")
    page.get_by_label("The MLRO is employed by the firm").check()
    page.get_by_label("Your AML/CFT policy").fill("Approved by the board on 3 March 2026; reviewed yearly.")
    page.get_by_label("Enterprise-wide risk assessment").fill("Customers, products, channels, countries.")
    page.get_by_label("Customer due diligence").fill("NADRA verification; EDD for PEPs.")
    page.get_by_label("Transaction monitoring").fill("Chainalysis KYT; in-house rules for PKR flows.")
    page.get_by_label("Record keeping").fill("Kept in Pakistan for seven years.")


def test_a_noc_holder_files_is_returned_files_again_and_is_registered(
    page, axe, browser, live_server, tmp_path, officer, approver, aml_officer
):
    firm = FirmFactory(legal_name=FIRM)
    principal = verified(MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user)
    services = list(Activity.objects.filter(code__in=["exchange", "custody"]).order_by("name"))
    scenarios.grant_noc(firm, submitter=principal, officer=officer, approver=approver, activities=services)
    verified(aml_officer)

    staff_context = new_context(browser, live_server)
    staff = staff_context.new_page()
    try:
        # --- The firm opens its AML registration page and submits it empty first.
        sign_in(page, principal.email, PASSWORD)
        page.goto("/aml/registration/")
        expect(page.get_by_role("heading", level=1)).to_have_text("AML registration")
        expect(page.locator(".summary-list")).to_contain_text("Not started")
        axe(page, "firm registration form")
        page.get_by_role("button", name="Submit for verification").click()
        summary = page.locator(".error-summary")
        expect(summary).to_contain_text("Enter the goAML organisation ID.")
        expect(summary).to_contain_text("The MLRO must be an employee of the firm")
        axe(page, "firm registration with errors")

        # --- It answers everything, the MLRO being the Compliance Officer by mistake.
        fill_answers(page, mlro_name="Sara Malik")
        page.get_by_role("button", name="Submit for verification").click()
        expect(summary.get_by_role("link")).to_have_count(1)
        expect(summary).to_contain_text("must be different people")
        expect(page.get_by_label("Transaction monitoring")).to_have_value(
            "Chainalysis KYT; in-house rules for PKR flows."
        )
        axe(page, "firm registration with one error")
        page.get_by_label("MLRO's full name").fill("Omar Farooq")

        # --- It uploads the identity documents; the answers typed so far are saved with them.
        for name in ("passport-sara-malik.pdf", "cnic-omar-farooq.pdf"):
            path = tmp_path / name
            path.write_bytes(pdf_bytes(name))
            page.get_by_label("Type of document").select_option(label="Identity document")
            page.get_by_label("File to upload").set_input_files(str(path))
            page.get_by_role("button", name="Upload the document").click()
            expect(page.get_by_role("status").first).to_contain_text(f"{name} was uploaded.")
        expect(page.get_by_role("link", name="cnic-omar-farooq.pdf")).to_be_visible()
        expect(page.get_by_label("MLRO's full name")).to_have_value("Omar Farooq")
        axe(page, "firm registration with evidence")

        page.get_by_role("button", name="Submit for verification").click()
        expect(page.get_by_role("status").first).to_contain_text("submitted for verification")
        expect(page.locator(".summary-list").first).to_contain_text("Submitted")
        axe(page, "firm registration submitted")
        registration = AmlRegistration.objects.get(firm=firm)
        assert registration.status == AmlStatus.SUBMITTED

        # --- The AML officer finds it in the registry and returns it with remedial actions.
        staff_sign_in(staff, aml_officer)
        staff.goto("/staff/aml/")
        expect(staff.get_by_role("heading", level=1)).to_have_text("AML registry")
        axe(staff, "registry")
        staff.get_by_label("AML registration status").select_option(label="Submitted")
        staff.get_by_role("button", name="Apply filters").click()
        expect(staff.locator("tbody tr")).to_have_count(1)
        axe(staff, "registry filtered")
        staff.get_by_role("link", name=FIRM).click()
        expect(staff.get_by_role("heading", level=1)).to_have_text(FIRM)
        expect(staff.locator("main")).to_contain_text("GOAML-PK-0042")
        expect(staff.get_by_role("link", name="passport-sara-malik.pdf")).to_be_visible()
        axe(staff, "registration for verification")

        staff.get_by_role("link", name="Return with remedial actions").click()
        axe(staff, "return form")
        staff.get_by_role("button", name="Return with remedial actions").click()
        expect(staff.locator(".error-summary")).to_contain_text("List at least one remedial action.")
        axe(staff, "return form with an error")
        staff.get_by_label("Remedial actions").fill(
            "Name an MLRO resident in Pakistan.\nAttach the board's approval of the AML/CFT policy."
        )
        staff.get_by_role("button", name="Return with remedial actions").click()
        expect(staff.get_by_role("status").first).to_contain_text("with 2 remedial actions")
        expect(staff.locator(".summary-list").first).to_contain_text("Returned for remedial action")
        axe(staff, "registration returned")

        # --- The firm sees the remedial actions, puts things right and files again.
        page.reload()
        remedial = page.locator(".panel-to-firm")
        expect(remedial).to_contain_text("Name an MLRO resident in Pakistan.")
        expect(remedial.locator("li")).to_have_count(2)
        axe(page, "firm registration returned")
        page.get_by_label("MLRO's full name").fill("Hina Qureshi")
        page.get_by_label("MLRO's email address").fill("hina.qureshi@northwind.example")
        path = tmp_path / "board-approval.pdf"
        path.write_bytes(pdf_bytes("Board minutes"))
        page.get_by_label("Type of document").select_option(label="AML/CFT policy")
        page.get_by_label("File to upload").set_input_files(str(path))
        page.get_by_role("button", name="Submit for verification").click()
        expect(page.locator(".messages")).to_contain_text("board-approval.pdf was uploaded.")
        expect(page.locator(".messages")).to_contain_text("submitted for verification")
        expect(page.locator("main")).to_contain_text("Hina Qureshi")
        axe(page, "firm registration resubmitted")

        # --- The officer registers it, choosing the services, after a confirmation step.
        staff.reload()
        expect(staff.locator("main")).to_contain_text("Hina Qureshi")
        expect(staff.locator(".timeline")).to_contain_text("returned the registration with remedial actions")
        axe(staff, "registration resubmitted")
        staff.get_by_role("link", name="Register", exact=True).click()
        expect(staff.get_by_label("Virtual-asset exchange")).to_be_checked()  # from the NOC application
        axe(staff, "register form")
        staff.get_by_label("Custody and safekeeping of virtual assets").uncheck()
        staff.get_by_label("Note for the record").fill("goAML entry checked with the FMU.")
        staff.get_by_role("button", name="Continue").click()
        expect(staff.get_by_role("heading", level=1)).to_have_text("Confirm the registration")
        expect(staff.locator(".summary-list")).to_contain_text("Virtual-asset exchange")
        axe(staff, "register confirmation")
        staff.get_by_role("button", name="Confirm registration").click()
        expect(staff.get_by_role("status").first).to_contain_text("is now AML-registered")
        expect(staff.locator(".summary-list").first).to_contain_text("AML-registered")
        axe(staff, "registration registered")

        # --- The registry shows it registered, with its service.
        staff.goto("/staff/aml/?status=registered")
        row = staff.locator("tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Virtual-asset exchange")
        expect(row).to_contain_text("Hina Qureshi")
        expect(row).not_to_contain_text("Custody")
        axe(staff, "registry registered")

        # --- And the firm sees it too.
        page.reload()
        expect(page.locator(".summary-list").first).to_contain_text("Registered")
        expect(page.locator("main")).to_contain_text("Virtual-asset exchange")
        expect(page.locator("main")).not_to_contain_text(re.compile("screening", re.I))
        axe(page, "firm registration registered")
    finally:
        staff_context.close()

    registration.refresh_from_db()
    firm.refresh_from_db()
    assert registration.status == AmlStatus.REGISTERED
    assert firm.stage == FirmStage.AML_REGISTERED
    assert [s.code for s in registration.registered_services.all()] == ["exchange"]
    assert registration.evidence_documents.count() == 3
