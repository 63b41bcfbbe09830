"""A case officer's session ends while a note is being typed (issue 14, item 10): the note is
not lost and the officer does not land on a blank 405. The idle limit passes (the policy's
clock is moved on, as the idle timeout would), the officer presses "Add", signs in again,
and is back on the case page with the text put back; once sent, it is gone from the browser."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import expect

from licensing.models import ApplicationStatus, FirmRole
from portal.accounts import sessions
from tests.browser.conftest import sign_in
from tests.conftest import totp_code
from tests.factories import FirmFactory, MembershipFactory
from tests.states import application_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's
NOTE = "Checked the LEI against GLEIF; the address matches the SECP record."


def staff_sign_in(page, user, *, here=False):
    """Signs in from the sign-in page (`here`: the one the portal sent the officer to, with its
    `next`), then the second factor."""
    if here:
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    else:
        sign_in(page, user.email, PASSWORD)
    code = totp_code()
    # A code is accepted once: this test signs in twice, within one 30-second window.
    cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_note_typed_when_the_session_ends_is_put_back_on_the_case_page(
    page, officer, approver, monkeypatch
):
    firm = FirmFactory()
    principal = MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user
    app = application_in(
        ApplicationStatus.UNDER_REVIEW, firm=firm, submitter=principal, officer=officer, approver=approver
    )
    officer.emailaddress_set.create(email=officer.email, verified=True, primary=True)
    case_path = reverse("staff_case", args=[app.pk])

    staff_sign_in(page, officer)
    page.goto(case_path)
    note = page.get_by_label("Internal note (staff only)")
    note.fill(NOTE)

    # The idle limit passes while the officer thinks.
    shift = (sessions.settings.PORTAL_STAFF_IDLE_MINUTES + 1) * 60
    real_now = sessions.now
    monkeypatch.setattr(sessions, "now", lambda: real_now() + shift)
    page.get_by_role("button", name="Add internal note").click()

    # The sign-in page, whose next is the case page, not the POST-only note address.
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert parse_qs(urlsplit(page.url).query)["next"] == [case_path]
    expect(page.locator(".messages")).to_contain_text("signed out")

    staff_sign_in(page, officer, here=True)
    expect(page).to_have_url(re.compile(re.escape(case_path) + "$"))
    expect(page.get_by_role("status").filter(has_text="was put back")).to_be_visible()
    expect(page.get_by_label("Internal note (staff only)")).to_have_value(NOTE)

    page.get_by_role("button", name="Add internal note").click()
    expect(page.locator("#internal-notes")).to_contain_text(NOTE)
    expect(page.get_by_label("Internal note (staff only)")).to_have_value("")
    page.reload()
    expect(page.get_by_label("Internal note (staff only)")).to_have_value("")  # sent: not put back again
