"""Pages that run scripts, under the Content-Security-Policy: Swagger UI at /api/docs/ builds its
page (its start-up script comes from a URL, not inline), and the Django admin's scripts and the
transition styles work. Any CSP violation on the console fails the test (tests/browser/conftest.py)."""

import pytest
from playwright.sync_api import expect

from licensing.models import ApplicationStatus
from tests.browser.conftest import sign_in
from tests.conftest import give_mfa, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-admin-password-1"


def test_swagger_ui_renders_the_api_under_the_policy(page):
    response = page.goto("/api/docs/")
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 10
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Licensing and AML registry API")


def test_the_admin_runs_its_scripts_under_the_policy(page, django_user_model, make_app):
    app = make_app(ApplicationStatus.SUBMITTED)
    admin = django_user_model.objects.create_superuser(email="root@regulator.example", password=PASSWORD)
    admin.emailaddress_set.create(email=admin.email, verified=True, primary=True)
    give_mfa(admin)
    sign_in(page, admin.email, PASSWORD)
    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    response = page.goto("/admin/licensing/application/")  # a firm has no bulk actions (decisions)
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    # actions.js: ticking "select all" ticks every row and shows the count.
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")

    page.goto(f"/admin/licensing/application/{app.pk}/change/")
    expect(page.locator("#transitions")).to_be_visible()
    # The transition styles come from static/css/admin-transitions.css, not an inline <style>.
    style = page.locator("#transitions li").first.evaluate("li => getComputedStyle(li).listStyleType")
    assert style == "none"
