"""The portal in Urdu in a real browser (ADR 0010): a firm user switches to Urdu with the
switcher and goes through the applicant journey (dashboard, task list, a section form, check
your answers); a case officer switches while signed in and opens a case. Every page reads right
to left, has no English word left apart from identifiers, names and the allowed terms, and is
axe-core clean; the same pages are checked in English too. Screenshots go to test-artifacts/.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from licensing import scenarios
from licensing.models import ApplicationKind, ApplicationStatus, FirmRole
from licensing.services.applications import application_save_section
from tests.browser.conftest import sign_in
from tests.conftest import totp_code
from tests.factories import FirmFactory, MembershipFactory
from tests.states import application_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's
FIRM = "Northwind Digital Assets Ltd"
# Terms an Urdu regulator keeps in English, and the portal's brand.
ALLOWED = {"NOC", "AML", "CFT", "LEI", "CNIC", "PDF", "API", "NTN", "SECP", "KYC", "MLRO", "PKR", "USD"}
ALLOWED |= {"goAML"}
WORD = re.compile(r"[A-Za-z]{3,}")

# The text a reader sees, less what is not the portal's own wording: values kept left to
# right (identifiers, names, e-mail addresses), what people typed (answers, form values), and
# the language switcher's own names of the languages.
VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll(
    '.ltr-value, bdi, [dir=ltr], code, script, style, input, textarea, select, ' +
    '.summary-list__row > dd:first-of-type, .visually-hidden'
  ).forEach((el) => el.remove());
  return body.innerText;
}"""


URDU_FONT_LOADED = """async () => {
  await document.fonts.ready;
  return [...document.fonts].some((f) => f.family.includes("Noto Naskh Arabic") && f.status === "loaded");
}"""


def english_words(page, names=()) -> list[str]:
    text = page.evaluate(VISIBLE_TEXT)
    for name in names:
        text = text.replace(name, " ")
    text = re.sub(r"\S+@\S+|https?://\S+|[A-Z]+[-/]\d[\w/-]*", " ", text)  # addresses, references
    # The English term an Urdu text keeps in brackets, as regulatory Urdu does: "تحویل (custody)".
    text = re.sub(r"(?<=[\u0600-\u06ff]) ?\([A-Za-z][A-Za-z /-]*\)", " ", text)
    return sorted({w for w in WORD.findall(text) if w not in ALLOWED})


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """The staff groups and activities, whatever the test before left (a serialized-rollback
    test's flush does not make them again); both functions are idempotent."""
    from licensing.reference_data import ensure_reference_data
    from portal.accounts.roles import sync_staff_groups

    sync_staff_groups()
    ensure_reference_data()


def switch_to(page, language: str) -> None:
    page.locator("#language-select").select_option(language)
    page.locator(".language-switcher button").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def check_page(page, axe, label: str, *, names=()) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ur")
    expect(html).to_have_attribute("dir", "rtl")
    assert english_words(page, names) == [], f"English left on {page.url} ({label})"
    axe(page, f"ur {label}")


def test_a_firm_user_goes_through_the_application_in_urdu(page, axe, officer, approver):
    firm = FirmFactory(legal_name=FIRM)
    principal = MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user
    principal.emailaddress_set.create(email=principal.email, verified=True, primary=True)
    app = scenarios.complete_sections(
        scenarios.new_application(firm, ApplicationKind.NOC, actor=principal), actor=principal
    )
    application_save_section(
        actor=principal,
        application_id=app.pk,
        section="business_plan",
        data={"capital_amount": "123456789.00", "capital_currency": "PKR"},
        completed=True,
    )
    names = (FIRM, principal.get_full_name())

    page.goto("/accounts/login/")
    switch_to(page, "ur")  # signed out: the cookie remembers it
    page.locator("input[name=login]").fill(principal.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(reverse("dashboard") + "$"))
    check_page(page, axe, "dashboard", names=names)
    assert page.evaluate(URDU_FONT_LOADED), "the Urdu web font was not loaded from static/"
    principal.refresh_from_db()
    assert principal.preferred_language == "ur"  # saved at sign-in

    pages = [
        ("task list", reverse("application_detail", args=[app.pk])),
        ("section form", reverse("application_section", args=[app.pk, "business_plan"])),
        ("check answers", reverse("application_check", args=[app.pk])),
    ]
    for label, url in pages:
        page.goto(url)
        check_page(page, axe, label, names=names)
    # The capital on "check your answers": lakh grouping, the rupee named in Urdu.
    expect(page.locator("#main")).to_contain_text("12,34,56,789.00 روپے")

    switch_to(page, "en")
    for label, url in pages:
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("dir", "ltr")
        axe(page, f"en {label}")


def test_a_case_officer_reads_a_case_in_urdu(page, axe, officer, approver):
    firm = FirmFactory(legal_name=FIRM)
    principal = MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user
    app = application_in(
        ApplicationStatus.UNDER_REVIEW, firm=firm, submitter=principal, officer=officer, approver=approver
    )
    officer.emailaddress_set.create(email=officer.email, verified=True, primary=True)
    names = (FIRM, principal.get_full_name(), officer.get_full_name(), approver.get_full_name())

    sign_in(page, officer.email, PASSWORD)
    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    switch_to(page, "ur")  # signed in: saved on the person
    officer.refresh_from_db()
    assert officer.preferred_language == "ur"

    case = reverse("staff_case", args=[app.pk])
    page.goto(case)
    check_page(page, axe, "case", names=names)

    switch_to(page, "en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    axe(page, "en case")
