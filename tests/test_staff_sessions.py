"""Staff sessions (issue 8, item 1): they end after PORTAL_STAFF_IDLE_MINUTES without a request
and PORTAL_STAFF_SESSION_HOURS after signing in; a decision needs an authentication no older
than PORTAL_STAFF_REAUTH_MINUTES, asked for again (password or second factor) when stale."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.test import APIClient

from licensing.models import ApplicationStatus, Firm, Noc
from portal.accounts import sessions
from portal.audit.models import AuditEvent
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
GRANT = {
    "expected_status": "awaiting_decision",
    "outcome": "grant",
    "reasons": "The business plan and AML programme meet the standard.",
    "validity_months": "6",
    "confirm": "on",
}


class Clock:
    """Moves the session policy's clock forward (time travel for the policy only)."""

    def __init__(self, monkeypatch):
        self.offset = 0.0
        monkeypatch.setattr(sessions, "now", lambda: time.time() + self.offset)

    def advance(self, minutes: float):
        self.offset += minutes * 60


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def decide_url(app):
    return reverse("staff_case_action", args=[app.pk, "decide"])


# --- Idle and absolute limits ------------------------------------------------------------------


def test_a_staff_session_ends_after_the_idle_limit_and_says_why(client, officer, clock):
    client.force_login(officer)
    assert client.get(reverse("staff_queues")).status_code == 200
    clock.advance(20)
    assert client.get(reverse("staff_queues")).status_code == 200  # activity keeps it alive
    clock.advance(25)
    assert client.get(reverse("staff_queues")).status_code == 200  # 25 minutes since the last request
    clock.advance(31)
    response = client.get(reverse("staff_queues"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert SESSION_KEY not in client.session
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("30 minutes without activity" in t for t in texts)
    expired = AuditEvent.objects.get(action="auth.session_expired")
    assert expired.actor == officer and expired.reason == "idle"


def test_a_staff_session_ends_at_its_absolute_limit_however_active(client, officer, clock, settings):
    settings.PORTAL_STAFF_SESSION_HOURS = 1
    client.force_login(officer)
    for _step in range(3):
        clock.advance(19)
        assert client.get(reverse("staff_queues")).status_code == 200
    clock.advance(4)
    response = client.get(reverse("staff_queues"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.get(action="auth.session_expired").reason == "absolute"


def test_an_idle_staff_api_session_is_refused_as_not_signed_in(officer, clock):
    api = APIClient()
    api.force_login(officer)
    assert api.get("/api/v1/queues/").status_code == 200
    clock.advance(31)
    response = api.get("/api/v1/queues/")
    # As for any anonymous staff API call (session authentication has no WWW-Authenticate, so DRF
    # answers 403 rather than 401), with the problem type saying why.
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/not-authenticated"


def test_firm_users_are_not_held_to_the_staff_limits(client, principal, clock):
    client.force_login(principal)
    clock.advance(13 * 60)
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.session[SESSION_KEY] == str(principal.pk)


# --- Re-authentication before a decision -----------------------------------------------------


def test_a_fresh_sign_in_decides_without_being_asked_again(client, make_app, approver):
    app = make_app(ApplicationStatus.AWAITING_DECISION)
    client.force_login(approver)
    response = client.post(decide_url(app), GRANT)
    assert response.status_code == 302 and response["Location"] == reverse("staff_case", args=[app.pk])
    assert Noc.objects.filter(application=app).exists()


@pytest.mark.stale_auth
def test_a_stale_sign_in_is_asked_for_the_password_and_the_decision_then_goes_through(
    client, make_app, approver
):
    EmailAddress.objects.create(user=approver, email=approver.email, verified=True, primary=True)
    app = make_app(ApplicationStatus.AWAITING_DECISION)
    client.force_login(approver)
    response = client.post(decide_url(app), GRANT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    app.refresh_from_db()
    assert app.status == ApplicationStatus.AWAITING_DECISION  # nothing decided yet

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Decisions need a sign-in from the last 15 minutes" in html
    assert "portal.css" in html  # drawn in the portal's layout
    wrong = client.post(response["Location"], {"password": "not-my-password"})
    assert wrong.status_code == 200
    assert not Noc.objects.filter(application=app).exists()

    done = client.post(response["Location"], {"password": PASSWORD})
    # allauth replays the kept POST: what was typed is not lost.
    assert done.status_code == 302 and done["Location"] == reverse("staff_case", args=[app.pk])
    noc = Noc.objects.get(application=app)
    assert noc.application.decisions.get().reasons == GRANT["reasons"]
    assert AuditEvent.objects.filter(action="auth.login_failed", object_id=str(approver.pk)).exists()


@pytest.mark.stale_auth
def test_a_stale_sign_in_may_still_read_and_take_steps_that_are_not_decisions(client, make_app, officer):
    app = make_app(ApplicationStatus.SUBMITTED)
    client.force_login(officer)
    assert client.get(reverse("staff_case", args=[app.pk])).status_code == 200
    response = client.post(
        reverse("staff_case_action", args=[app.pk, "start_review"]), {"expected_status": "submitted"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("staff_case", args=[app.pk])
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW


@pytest.mark.stale_auth
@pytest.mark.parametrize("name", ["suspend", "lift_suspension", "revoke"])
def test_firm_decisions_need_a_recent_sign_in(client, firm, approver, name):
    client.force_login(approver)
    stage = firm.stage
    response = client.post(
        reverse("staff_firm_action", args=[firm.pk, name]),
        {"expected_status": stage, "reason": "Inspection findings.", "confirm": "on"},
    )
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert Firm.objects.get(pk=firm.pk).stage == stage


@pytest.mark.stale_auth
def test_the_staff_api_refuses_a_decision_on_a_stale_sign_in(make_app, firm, approver):
    app = make_app(ApplicationStatus.AWAITING_DECISION)
    api = APIClient()
    api.force_login(approver)
    for url, body in [
        (f"/api/v1/applications/{app.pk}/approve/", {"reasons": "Agreed."}),
        (f"/api/v1/applications/{app.pk}/refuse/", {"reasons": "No."}),
        (f"/api/v1/firms/{firm.pk}/suspend/", {"reason": "Inspection"}),
    ]:
        response = api.post(url, body, format="json")
        assert response.status_code == 403, url
        assert response.json()["type"] == "/problems/reauthentication-required"
        assert "/accounts/reauthenticate/" in response.json()["detail"]
    app.refresh_from_db()
    assert app.status == ApplicationStatus.AWAITING_DECISION
    assert api.get(f"/api/v1/applications/{app.pk}/").status_code == 200  # reading is fine


@pytest.mark.stale_auth
def test_admin_decisions_need_a_recent_sign_in(client, make_app, administrator):
    app = make_app(ApplicationStatus.AWAITING_DECISION)
    client.force_login(administrator)
    url = reverse("admin:licensing_application_transition", args=[app.pk, "decide"])
    response = client.post(url, {"outcome": "grant", "reasons": "Agreed."})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    app.refresh_from_db()
    assert app.status == ApplicationStatus.AWAITING_DECISION


def test_the_clock_for_decisions_restarts_at_re_authentication(client, approver, clock, rf):
    client.force_login(approver)
    request = rf.get("/")
    request.session = client.session
    assert sessions.recently_authenticated(request)
    clock.advance(16)
    assert not sessions.recently_authenticated(request)
    sessions.mark_authenticated(request)
    assert sessions.recently_authenticated(request)


@pytest.mark.stale_auth
def test_a_stale_sign_in_may_confirm_with_the_authenticator_code_instead(client, make_app, approver):
    app = make_app(ApplicationStatus.AWAITING_DECISION)
    client.force_login(approver)
    response = client.post(decide_url(app), GRANT)
    page = client.get(response["Location"]).content.decode()
    mfa_link = re.search(r'href="(/accounts/2fa/reauthenticate/[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "next=" in mfa_link
    done = client.post(mfa_link, {"code": totp_code()})
    assert done.status_code == 302 and done["Location"] == reverse("staff_case", args=[app.pk])
    assert Noc.objects.filter(application=app).exists()
