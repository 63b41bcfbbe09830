"""The public register and the certificate check in a real browser, with axe-core on every
page: the register with a search, a firm's page with its banner, the verify page of a NOC and
of a revoked licence, and the same pages without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from licensing.certificates.models import Certificate
from licensing.models import FirmStage
from licensing.services.firms import firm_revoke
from tests.browser.conftest import new_context
from tests.factories import FirmFactory, MembershipFactory
from tests.public_states import firm_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _keys_and_media(settings, tmp_path):
    settings.PORTAL_SIGNING_KEY_PATH = str(tmp_path / "signing.pem")
    settings.PORTAL_SIGNING_KEY_AUTOCREATE = True
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def register(officer, approver, aml_officer, activities):
    made = {}
    for stage, name in [
        (FirmStage.NOC_HOLDER, "Noc Holder Exchange Ltd"),
        (FirmStage.LICENSED, "Licensed Exchange Ltd"),
        (FirmStage.AML_REGISTERED, "Registered Exchange Ltd"),
    ]:
        firm = FirmFactory(legal_name=name)
        principal = MembershipFactory(firm=firm).user
        made[stage] = firm_at(
            stage,
            firm,
            principal=principal,
            officer=officer,
            approver=approver,
            aml_officer=aml_officer,
            activities=activities,
        )
    return made


def test_register_firm_page_and_certificate_check_are_accessible(page, axe, register, approver):
    page.goto("/")
    page.get_by_role("link", name="Public register").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Public register")
    expect(page.get_by_role("cell", name=re.compile("Licensed Exchange Ltd"))).to_be_visible()
    axe(page, "register index")

    page.get_by_label("Stage").select_option("noc_holder")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 firm found.")).to_be_visible()
    axe(page, "register filtered")

    page.get_by_role("link", name="Noc Holder Exchange Ltd").click()
    banner = page.get_by_role("note")
    expect(banner).to_contain_text("is not permitted to operate")
    expect(banner).to_contain_text("not an operating licence")
    axe(page, "firm with banner")

    page.get_by_role("link", name="Verify the NOC certificate").click()
    expect(page.get_by_role("status")).to_contain_text("Valid NOC — not an operating licence")
    axe(page, "verify NOC")

    licensed = register[FirmStage.LICENSED]
    certificate = Certificate.objects.get(firm=licensed, kind="licence")
    firm_revoke(actor=approver, firm_id=licensed.pk, reason="Breaches")
    page.goto(f"/verify/{certificate.code}/")
    expect(page.get_by_role("status")).to_contain_text("Licence revoked")
    axe(page, "verify revoked licence")

    page.goto("/verify/")
    page.get_by_label("Verification code").fill(certificate.display_code.lower())
    page.get_by_role("button", name="Check the certificate").click()
    expect(page).to_have_url(re.compile(f"/verify/{certificate.code}/$"))
    page.goto("/verify/NOSUCHCODE/")
    expect(page.get_by_role("alert")).to_contain_text("No certificate has the code")
    axe(page, "verify unknown code")


def test_register_works_without_javascript(browser, live_server, register):
    context = new_context(browser, live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/register/")
    page.get_by_label("Name, trading name, reference number or LEI").fill("Registered")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 firm found.")).to_be_visible()
    page.get_by_role("link", name="Registered Exchange Ltd").click()
    expect(page.get_by_role("note")).to_contain_text("may offer only AML-registered services")
    context.close()
