"""Wide tables at the widths people use (issue 14, item 16): the staff AML registry on a
1280 px laptop shows every column without a hidden part, and the public register on a 375 px
phone shows whether each firm may operate without scrolling sideways. Screenshots of both go to
test-artifacts/."""

import pytest
from playwright.sync_api import expect

from aml.models import AmlRegistration
from licensing import scenarios
from licensing.models import Activity, FirmRole
from tests.browser.conftest import ARTIFACTS, new_context, sign_in
from tests.conftest import totp_code
from tests.factories import FirmFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's

# Whether any part of the page, or of a table's scrolling box, lies beyond what is shown.
OVERFLOW_JS = """() => ({
  page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  tables: [...document.querySelectorAll('.table-wrap')].map((w) => w.scrollWidth - w.clientWidth),
})"""


@pytest.fixture
def registered_firms(officer, approver, aml_officer):
    services = list(Activity.objects.filter(code__in=["exchange", "custody"]))
    firms = []
    for n, name in enumerate(
        ["Karakoram Digital Asset Custody and Exchange Services (Private) Limited", "Indus Ltd"]
    ):
        firm = FirmFactory(legal_name=name)
        principal = MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user
        scenarios.grant_noc(
            firm, submitter=principal, officer=officer, approver=approver, activities=services
        )
        scenarios.register_aml(
            firm, submitter=principal, aml_officer=aml_officer, goaml_org_id=f"GOAML-PK-2026-00{n}42"
        )
        # The addresses real firms give are longer than the scenario's.
        AmlRegistration.objects.filter(firm=firm).update(
            compliance_officer_email=f"head.of.compliance.and.risk@{n}.karakoram-digital-assets.example",
            mlro_email=f"money.laundering.reporting.officer@{n}.karakoram-digital-assets.example",
        )
        firms.append(firm)
    return firms


def test_the_aml_registry_shows_every_column_on_a_1280_px_screen(
    browser, live_server, aml_officer, registered_firms
):
    aml_officer.emailaddress_set.create(email=aml_officer.email, verified=True, primary=True)
    context = new_context(browser, live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, aml_officer.email, PASSWORD)
        page.get_by_label("Code").fill(totp_code())
        page.get_by_role("button", name="Sign In").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        page.goto("/staff/aml/")
        expect(page.locator("tbody tr")).to_have_count(2)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "layout-aml-registry-1280.png"), full_page=True)
        overflow = page.evaluate(OVERFLOW_JS)
        assert overflow["page"] <= 0, overflow
        assert overflow["tables"] and max(overflow["tables"]) <= 1, overflow
        last_header = page.locator("thead th").last
        box = last_header.bounding_box()
        assert box["x"] + box["width"] <= 1280, box
    finally:
        context.close()


def test_the_register_says_whether_each_firm_may_operate_on_a_375_px_phone(
    browser, live_server, registered_firms
):
    context = new_context(browser, live_server, viewport={"width": 375, "height": 800}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto("/register/")
        rows = page.locator("tbody tr")
        expect(rows).to_have_count(2)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "layout-register-375.png"), full_page=True)
        assert page.evaluate(OVERFLOW_JS)["page"] <= 0
        for i in range(2):
            cell = rows.nth(i).locator("td").nth(3)
            expect(cell).to_have_attribute("data-label", "May operate?")
            # The heading is shown above the answer (the table's own header row is hidden).
            shown = cell.evaluate("(td) => getComputedStyle(td, '::before').content")
            assert shown == '"May operate?"', shown
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    finally:
        context.close()
