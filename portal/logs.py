"""Logging: the request id on every line, and a JSON format nobody can forge lines in.

`RequestIdMiddleware` (portal/middleware.py) puts the current request's id in a context
variable; `RequestIdFilter` copies it onto every log record (``-`` outside a request). With
``LOG_FORMAT=json`` (the production default) each record is one JSON object on one line:
whatever a message contains (a newline, a forged ``{"level": "CRITICAL"}``, control or
non-ASCII characters), JSON escapes it inside the ``message`` string, so one record is always
exactly one line. The text format, for a developer's console, escapes line breaks and control
characters in the message too.
"""

import contextvars
import json
import logging
from datetime import UTC, datetime

NO_REQUEST = "-"

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NO_REQUEST)


def current_request_id() -> str:
    return _request_id.get()


def bind_request_id(value: str) -> contextvars.Token:
    return _request_id.set(value)


def unbind_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def clear_request_id(**kwargs) -> None:
    """On request_finished: lines logged between requests carry no request's id."""
    _request_id.set(NO_REQUEST)


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the current request's, unless the caller gave one)."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id (and exception)."""

    def format(self, record):
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        # ensure_ascii: besides the control characters JSON always escapes, U+2028, U+0085 and
        # the like (line breaks to some log readers) are written as \u escapes too.
        return json.dumps(payload, ensure_ascii=True, default=str)


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F]}
_CONTROL.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", 0x85: "\\x85"})
_CONTROL.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


class TextFormatter(logging.Formatter):
    """The plain format, with line breaks and control characters in the message escaped."""

    def formatMessage(self, record):  # noqa: N802 - logging's name
        record.message = record.message.translate(_CONTROL)
        return super().formatMessage(record)
