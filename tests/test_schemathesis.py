"""Schemathesis against /api/schema/, through the WSGI app (no server, no network).

For every operation: generated requests, with the right credentials (two firms' tokens,
a staff session), must never give a 5xx, must return only documented status codes, and
every response must match the schema. Without credentials, or with wrong ones, every firm
and staff operation is refused (401/403), again in the documented shape.
"""

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.core import signals
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from licensing import scenarios
from licensing.models import ApplicationKind, ApplicationStatus
from portal.accounts import sessions
from portal.api.services import api_token_create
from portal.wsgi import application

pytestmark = pytest.mark.django_db
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
MAX_EXAMPLES = 6
PUBLIC = ("/api/v1/register", "/api/v1/certificates")
FIRM = ("/api/v1/firm/",)
STAFF = ("/api/v1/queues", "/api/v1/applications", "/api/v1/firms/", "/api/v1/aml-registrations")


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    unlimited = "100000/minute"
    settings.PORTAL_API_THROTTLE_RATES = {"anon": unlimited, "token": unlimited, "user": unlimited}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PORTAL_SIGNING_KEY_PATH = str(tmp_path / "signing.pem")
    settings.PORTAL_SIGNING_KEY_AUTOCREATE = True
    settings.ALLOWED_HOSTS = ["*"]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app closes "old" database connections around each request; inside a test's
    transaction that would close the test's own connection (Django's test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def schema():
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


def operations(schema, prefixes):
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(prefixes):
            yield operation


def run(operation, *, check, path_parameters=None, headers=None, cookies=None):
    strategy = operation.as_strategy(path_parameters=path_parameters, headers=headers, cookies=cookies)

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def test(case):
        response = case.call(headers=headers, cookies=cookies)
        check(case, response)

    test()


class Conforms:
    """The check for credentialed runs; remembers which (path, status) pairs it saw, so a test
    can also prove its credentials worked (some 2xx answers, not only refusals)."""

    def __init__(self):
        self.seen = set()

    def __call__(self, case, response):
        self.seen.add((case.operation.path, response.status_code))
        case.validate_response(response, checks=CHECKS)

    def ok(self, path) -> bool:
        return any(p == path and 200 <= status < 300 for p, status in self.seen)


def refused(statuses):
    def check(case, response):
        assert response.status_code in statuses, (case.method, case.formatted_path, response.status_code)
        case.validate_response(response, checks=CHECKS)

    return check


def staff_cookies(user) -> tuple[dict, dict]:
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    # A sign-in stamps its time (portal.accounts.sessions); a staff session without it has ended.
    session[sessions.LOGIN_AT] = session[sessions.AUTH_AT] = session[sessions.SEEN_AT] = sessions.now()
    session.create()
    csrf = _get_new_csrf_string()
    cookies = {
        django_settings.SESSION_COOKIE_NAME: session.session_key,
        django_settings.CSRF_COOKIE_NAME: csrf,
    }
    return cookies, {"X-CSRFToken": csrf}


@pytest.fixture
def firms(firm, other_firm, principal, outsider, officer, approver):
    draft = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    case = scenarios.new_application(other_firm, ApplicationKind.NOC, actor=outsider)
    scenarios.drive_application(
        case, ApplicationStatus.UNDER_REVIEW, submitter=outsider, officer=officer, approver=approver
    )
    _, key_a = api_token_create(actor=principal, firm_id=firm.pk, name="A")
    _, key_b = api_token_create(actor=outsider, firm_id=other_firm.pk, name="B")
    return {"draft": draft, "case": case, "key_a": key_a, "key_b": key_b}


def test_public_endpoints_conform(schema, firms):
    conforms = Conforms()
    for operation in operations(schema, PUBLIC):
        run(operation, check=conforms)
    assert conforms.ok("/api/v1/register/")


@pytest.mark.parametrize("which", ["key_a", "key_b"])
def test_firm_endpoints_conform_for_two_firms(schema, firms, which):
    headers = {"Authorization": f"Token {firms[which]}"}
    conforms = Conforms()
    for operation in operations(schema, FIRM):
        run(operation, check=conforms, headers=headers)
        if "{id}" in operation.path:  # also with a real id (the first firm's draft)
            run(operation, check=conforms, headers=headers, path_parameters={"id": firms["draft"].pk})
    assert conforms.ok("/api/v1/firm/") and conforms.ok("/api/v1/firm/applications/")
    # The first firm's draft is visible to the first firm only.
    assert conforms.ok("/api/v1/firm/applications/{id}/") == (which == "key_a")


def test_staff_endpoints_conform(schema, firms, officer, approver):
    conforms = Conforms()
    for user in (officer, approver):
        cookies, headers = staff_cookies(user)
        for operation in operations(schema, STAFF):
            run(operation, check=conforms, headers=headers, cookies=cookies)
            if "{id}" in operation.path and operation.path.startswith("/api/v1/applications"):
                path = {"id": firms["case"].pk}
                run(operation, check=conforms, headers=headers, cookies=cookies, path_parameters=path)
    assert conforms.ok("/api/v1/queues/") and conforms.ok("/api/v1/applications/{id}/")


def test_requests_without_credentials_are_refused(schema, firms):
    for operation in operations(schema, FIRM):
        run(operation, check=refused({401}))
    for operation in operations(schema, STAFF):
        run(operation, check=refused({401, 403}))


def test_requests_with_wrong_credentials_are_refused(schema, firms, principal, settings):
    # Every operation gets its 401 here; the lockout after repeated failures (429) is tested in
    # tests/test_sign_in_security.py.
    settings.PORTAL_API_TOKEN_FAILURE_LIMIT = 10_000
    bogus = {"Authorization": "Token pvt_000000000000.not-a-real-key"}
    for operation in operations(schema, FIRM):
        run(operation, check=refused({401}), headers=bogus)
    # A firm's token, or a firm member's session, is not a staff credential.
    cookies, headers = staff_cookies(principal)
    for operation in operations(schema, STAFF):
        run(operation, check=refused({401, 403}), headers={"Authorization": f"Token {firms['key_a']}"})
        run(operation, check=refused({401, 403}), headers=headers, cookies=cookies)
