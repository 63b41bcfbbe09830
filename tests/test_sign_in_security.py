"""Sign-in hardening (issue 8, item 1): each way in is throttled after repeated failures with
one message for unknown and known accounts, every sign-in is audited, passwords use Argon2,
the session id changes at sign-in, and cookies are hardened in production."""

import json
import os
import subprocess
import sys

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.urls import reverse
from rest_framework.test import APIClient

from portal import settings as portal_settings
from portal.accounts.security import identifier_hash
from portal.api.services import api_token_create
from portal.audit.models import AuditEvent
from tests.conftest import totp_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
KEY_LIMIT = 5  # the default "…,5/15m/key" of PORTAL_LOGIN_FAILED_RATE_LIMIT


def verified(email, **kwargs):
    user = UserFactory(email=email, **kwargs)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def sign_in(client, email, password, *, ip="127.0.0.1", next_url=""):
    data = {"login": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("account_login"), data, REMOTE_ADDR=ip)


def form_errors(response) -> str:
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


# --- Web sign-in --------------------------------------------------------------------------


def test_repeated_failures_lock_the_account_even_for_the_right_password(client):
    verified("member@firm.example")
    for _attempt in range(KEY_LIMIT):
        response = sign_in(client, "member@firm.example", "wrong-password-1")
        assert response.status_code == 200
        assert "not correct" in form_errors(response)
    response = sign_in(client, "member@firm.example", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed login attempts" in form_errors(response)
    assert SESSION_KEY not in client.session


def test_unknown_and_known_accounts_get_the_same_messages(client):
    verified("known@firm.example")
    known, unknown = [], []
    # Different client addresses, so the per-address limit does not mix the two runs.
    for _attempt in range(KEY_LIMIT + 1):
        known.append(form_errors(sign_in(client, "known@firm.example", "wrong", ip="127.0.0.2")))
        unknown.append(form_errors(sign_in(client, "nobody@firm.example", "wrong", ip="127.0.0.3")))
    assert known == unknown
    assert "not correct" in known[0] and "Too many failed login attempts" in known[-1]


def test_the_per_address_limit_stops_spraying_many_accounts(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip,5/15m/key"}
    for n in range(3):
        sign_in(client, f"person{n}@firm.example", "wrong", ip="127.0.0.9")
    response = sign_in(client, "fresh@firm.example", "wrong", ip="127.0.0.9")
    assert "Too many failed login attempts" in form_errors(response)


def test_failed_and_successful_sign_ins_are_in_the_audit_trail_without_the_password(client):
    user = verified("member@firm.example")
    sign_in(client, "Member@Firm.example", "my-secret-typo", ip="127.0.0.4")
    sign_in(client, "nobody@firm.example", "another-secret", ip="127.0.0.4")
    sign_in(client, "member@firm.example", PASSWORD, ip="127.0.0.4")
    rows = list(AuditEvent.objects.filter(action__startswith="auth.").order_by("seq"))
    assert [r.action for r in rows] == ["auth.login_failed", "auth.login_failed", "auth.login_succeeded"]
    failed_known, failed_unknown, succeeded = rows
    assert failed_known.actor is None and failed_known.object_id == str(user.pk)
    assert failed_known.details == {
        "identifier_hash": identifier_hash("member@firm.example"),
        "known_account": True,
    }
    assert failed_unknown.object_id == "" and failed_unknown.details["known_account"] is False
    assert failed_unknown.details["identifier_hash"] == identifier_hash("nobody@firm.example")
    assert succeeded.actor == user and succeeded.ip_address == "127.0.0.4"
    everything = json.dumps(list(AuditEvent.objects.values()), default=str)
    for secret in ("my-secret-typo", "another-secret", PASSWORD, "nobody@firm.example"):
        assert secret not in everything


def test_a_lockout_is_recorded_once(client):
    verified("member@firm.example")
    for _attempt in range(KEY_LIMIT + 3):
        sign_in(client, "member@firm.example", "wrong")
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == KEY_LIMIT
    locked = AuditEvent.objects.filter(action="auth.login_locked")
    assert locked.count() == 1
    assert locked.get().details["identifier_hash"] == identifier_hash("member@firm.example")


def test_the_session_id_changes_at_sign_in(client):
    verified("member@firm.example")
    session = client.session
    session["before"] = True
    session.save()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session.session_key
    before = session.session_key
    assert sign_in(client, "member@firm.example", PASSWORD).status_code == 302
    after = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session[SESSION_KEY]


def test_the_session_id_changes_at_a_staff_sign_in_with_the_second_factor(client, officer):
    EmailAddress.objects.create(user=officer, email=officer.email, verified=True, primary=True)
    response = sign_in(client, officer.email, PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")
    half_way = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert SESSION_KEY not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(officer.pk)
    assert client.cookies[django_settings.SESSION_COOKIE_NAME].value != half_way
    # A staff session's cookie ends with its absolute limit.
    assert client.session.get_expiry_age() <= django_settings.PORTAL_STAFF_SESSION_HOURS * 3600


def test_wrong_second_factor_codes_are_limited_too(client, officer):
    EmailAddress.objects.create(user=officer, email=officer.email, verified=True, primary=True)
    sign_in(client, officer.email, PASSWORD)
    good = totp_code()
    wrong = "000000" if good != "000000" else "111111"
    for _attempt in range(KEY_LIMIT):
        client.post(reverse("mfa_authenticate"), {"code": wrong})
    response = client.post(reverse("mfa_authenticate"), {"code": good})
    assert SESSION_KEY not in client.session
    assert "Too many failed" in response.content.decode()
    failures = AuditEvent.objects.filter(action="auth.second_factor_failed")
    assert failures.count() == KEY_LIMIT
    assert {e.object_id for e in failures} == {str(officer.pk)}
    assert not AuditEvent.objects.filter(action="auth.login_succeeded").exists()


# --- The Django admin signs in through the same form -----------------------------------------


def test_the_admin_login_form_checks_no_password_and_sends_to_the_throttled_sign_in(client, administrator):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": administrator.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert SESSION_KEY not in client.session
    assert not AuditEvent.objects.filter(action__startswith="auth.login").exists()


def test_brute_force_towards_the_admin_is_locked_like_any_sign_in(client, administrator):
    EmailAddress.objects.create(user=administrator, email=administrator.email, verified=True, primary=True)
    for _attempt in range(KEY_LIMIT):
        sign_in(client, administrator.email, "wrong", next_url="/admin/")
    response = sign_in(client, administrator.email, PASSWORD, next_url="/admin/")
    assert "Too many failed login attempts" in form_errors(response)
    assert SESSION_KEY not in client.session


# --- API tokens ------------------------------------------------------------------------------


def token_get(key, ip="127.0.0.5"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/firm/", REMOTE_ADDR=ip)


def test_failed_token_attempts_lock_the_address_out_with_a_429_problem(settings, firm, principal):
    settings.PORTAL_API_TOKEN_FAILURE_LIMIT = 3
    settings.PORTAL_API_TOKEN_LOCKOUT_MINUTES = 7
    _token, key = api_token_create(actor=principal, firm_id=firm.pk, name="Reporting")
    assert token_get(key).status_code == 200
    for n in range(3):
        assert token_get(f"pvt_guess{n}.nothing").status_code == 401
    response = token_get(key)  # the right token too, from the locked address
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "/problems/too-many-failed-token-attempts"
    assert "7 minutes" in body["detail"]
    assert response["Retry-After"] == str(7 * 60)
    assert token_get(key, ip="127.0.0.6").status_code == 200  # other addresses are not locked
    locked = AuditEvent.objects.filter(action="auth.api_token_locked")
    assert locked.count() == 1 and locked.get().ip_address == "127.0.0.5"
    token_get("pvt_again.nothing")
    assert locked.count() == 1


# --- Argon2 ------------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2_and_older_hashes_upgrade_at_sign_in(client, settings):
    settings.PASSWORD_HASHERS = portal_settings.PASSWORD_HASHERS  # the real list, not the tests' fast one
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    new = UserFactory(email="new@firm.example")
    new.set_password("a-new-passphrase-here")
    new.save()
    assert new.password.startswith("argon2$argon2id$")

    old = verified("old@firm.example")
    from django.contrib.auth.hashers import make_password

    old.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    old.save()
    assert sign_in(client, "old@firm.example", PASSWORD).status_code == 302
    old.refresh_from_db()
    assert old.password.startswith("argon2$argon2id$")


# --- Production cookies ------------------------------------------------------------------------


def test_production_cookies_are_secure_httponly_and_same_site(tmp_path):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 50,
        "PORTAL_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    names = "SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE SESSION_COOKIE_HTTPONLY SESSION_COOKIE_SAMESITE"
    code = (
        "from django.conf import settings as s; import json; "
        f"print(json.dumps([getattr(s, n) for n in {(names + ' CSRF_COOKIE_SAMESITE').split()!r}]))"
    )
    out = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [True, True, True, "Lax", "Lax"]
