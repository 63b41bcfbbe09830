"""Who is asking, from where: carried from the request to the audit trail.

Service functions take the actor explicitly; the request's IP address is ambient,
held in a context variable that this middleware sets for the life of a request.
"""

import contextvars
from contextlib import contextmanager

from django.conf import settings

_request_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_ip", default=None)


def current_ip() -> str | None:
    return _request_ip.get()


@contextmanager
def request_ip(ip: str | None):
    token = _request_ip.set(ip)
    try:
        yield
    finally:
        _request_ip.reset(token)


def client_ip(request) -> str | None:
    if getattr(settings, "PORTAL_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_ip(client_ip(request)):
            return self.get_response(request)
