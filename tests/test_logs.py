"""Structured logs: one JSON object per line, with the request id, that user input cannot forge
(a newline and a fake record inside a message stay inside the message field)."""

import io
import json
import logging

import pytest
from django.conf import settings

from portal.logs import (
    JsonFormatter,
    RequestIdFilter,
    TextFormatter,
    bind_request_id,
    clear_request_id,
    current_request_id,
    unbind_request_id,
)

FORGED = 'harmless\n{"level": "CRITICAL", "logger": "auth", "message": "admin signed in", "request_id": "x"}'


@pytest.fixture(autouse=True)
def _outside_any_request():
    """A response another test never closed (a static file it did not read) leaves its request's
    id bound, as a WSGI server never would: start each test outside any request."""
    clear_request_id()


@pytest.fixture
def capture():
    """A logger writing through the portal's formatter and filter, as settings.LOGGING sets them up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("tests.logs")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)

    def use(formatter):
        handler.setFormatter(formatter)
        return logger, stream

    yield use
    logger.removeHandler(handler)
    logger.propagate = True


def test_a_forged_record_in_a_message_stays_inside_one_json_line(capture):
    logger, stream = capture(JsonFormatter())
    token = bind_request_id("req-0123456789")
    try:
        logger.warning("Sign-in failed for %s", FORGED + "\r\x1b[2J\u2028\x85end")
    finally:
        unbind_request_id(token)
    output = stream.getvalue()
    lines = output.splitlines()  # splitlines() breaks at \u2028 and \x85 too
    assert len(lines) == 1 and output.endswith("\n")
    record = json.loads(lines[0])
    assert record["level"] == "WARNING"
    assert record["logger"] == "tests.logs"
    assert record["request_id"] == "req-0123456789"
    assert record["message"] == "Sign-in failed for " + FORGED + "\r\x1b[2J\u2028\x85end"
    assert set(record) == {"time", "level", "logger", "message", "request_id"}


def test_an_exception_is_inside_the_same_json_line(capture):
    logger, stream = capture(JsonFormatter())
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        logger.exception("It failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["request_id"] == "-"
    assert "Traceback" in record["exception"] and "ValueError: bad\nvalue" in record["exception"]


def test_the_text_format_escapes_line_breaks_in_messages(capture):
    logger, stream = capture(TextFormatter("%(levelname)s [%(request_id)s] %(message)s"))
    logger.warning("Sign-in failed for %s", FORGED)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("WARNING [-] Sign-in failed for harmless\\n{")


def test_the_console_handler_uses_the_configured_format():
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["formatter"] == settings.LOG_FORMAT
    assert "request_id" in handler["filters"]
    assert settings.LOGGING["formatters"]["json"]["()"] == "portal.logs.JsonFormatter"


def test_requests_log_with_their_id(client, caplog, db):
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.WARNING, logger="django.request")
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="proxy-req-42ab")
    assert response.status_code == 404
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.request_id == "proxy-req-42ab"
    assert current_request_id() == "-"  # cleared when the response finished
