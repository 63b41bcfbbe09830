"""Error pages with DEBUG off: generic, with the request's correlation id, never a traceback;
the API's problem documents carry the id too. The id comes from a safe X-Request-ID or is made."""

import re

import pytest
from django.test import Client

from portal.logs import RequestIdFilter
from tests.urls_errors import SECRET_IN_TRACEBACK

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls_errors")]


@pytest.fixture(autouse=True)
def production_errors(settings):
    settings.DEBUG = False
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


def assert_no_traceback(text: str):
    for leak in ("Traceback", "RuntimeError", SECRET_IN_TRACEBACK, 'File "', "line "):
        assert leak not in text, leak


def test_a_failing_page_is_a_generic_500_with_the_request_id(anonymous, caplog):
    caplog.handler.addFilter(RequestIdFilter())  # as the console handler has it (settings.LOGGING)
    response = anonymous.get("/test-errors/broken/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    page = response.content.decode()
    assert "Sorry, something went wrong on our side" in page
    assert f"quote this reference: {request_id}" in page
    assert_no_traceback(page)
    # The traceback is in the log, under the same id.
    failure = next(r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR")
    assert failure.request_id == request_id
    assert failure.exc_info is not None


def test_a_failing_api_call_is_a_problem_document_with_the_request_id(anonymous):
    response = anonymous.get("/api/test-errors/broken/", HTTP_X_REQUEST_ID="lb-7f3a9c21e4d8")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/server-error"
    assert body["status"] == 500
    assert body["request_id"] == response["X-Request-ID"] == "lb-7f3a9c21e4d8"
    assert_no_traceback(response.content.decode())


def test_a_missing_page_shows_the_request_id(anonymous):
    response = anonymous.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert f"quote this reference: {response['X-Request-ID']}" in page
    assert 'class="site-header"' in page  # the portal's layout


def test_a_missing_api_address_is_a_problem_document(anonymous):
    response = anonymous.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "incoming",
    ["short", "<script>alert(1)</script>", "a" * 200, 'x" onmouseover="1', "id\nforged line", "αβγδεζηθικ"],
)
def test_an_unsafe_incoming_request_id_is_replaced(anonymous, incoming):
    response = anonymous.get("/no-such-page/", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert "alert(1)" not in response.content.decode()


def test_a_safe_incoming_request_id_is_kept(anonymous):
    response = anonymous.get("/", HTTP_X_REQUEST_ID="3f2a9c0e7b5d4e1f8a6c2b9d0e4f7a13")
    assert response["X-Request-ID"] == "3f2a9c0e7b5d4e1f8a6c2b9d0e4f7a13"


def test_permission_denied_is_the_generic_403_page(anonymous, django_user_model, firm):
    # A signed-in firm user asking for the staff workspace is refused with 403.
    user = django_user_model.objects.create_user(email="someone@firm.example", password="x" * 16)
    anonymous.force_login(user)
    response = anonymous.get("/staff/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You do not have permission to see this page" in page
    assert response["X-Request-ID"] in page


def test_an_error_page_that_cannot_render_falls_back_to_a_minimal_page(anonymous, monkeypatch):
    from django.template import loader

    def broken(*args, **kwargs):
        raise RuntimeError("the base layout failed")

    monkeypatch.setattr(loader, "render_to_string", broken)
    response = anonymous.get("/test-errors/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, something went wrong on our side." in page
    assert f"Reference: {response['X-Request-ID']}" in page
    assert_no_traceback(page)
    missing = anonymous.get("/no-such-page/")
    assert missing.status_code == 404 and f"Reference: {missing['X-Request-ID']}" in missing.content.decode()


def test_a_form_without_its_csrf_token_gets_the_portals_403_page():
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = browser.post("/accounts/login/", {"login": "a@b.example", "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "The form could not be sent" in page
    assert f"quote this reference: {response['X-Request-ID']}" in page
    assert "unsafe-inline" not in response["Content-Security-Policy"]
