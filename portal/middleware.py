"""Cross-cutting request handling: a correlation id for every request, a limit on request
size checked before the body is read, and the Permissions-Policy header.

The first two sit at the top of MIDDLEWARE, so even a refused request has an id and an
oversize one costs nothing but its headers.
"""

import re
import uuid

from django.conf import settings
from django.core.signals import request_finished

from portal.logs import bind_request_id, clear_request_id

request_finished.connect(clear_request_id, dispatch_uid="portal.logs.clear_request_id")

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only when it is a plain token (nginx's $request_id is 32 hex digits):
# anything else, which could carry markup or forge log lines, is replaced by a fresh one.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_of(request) -> str:
    return getattr(request, "request_id", None) or new_request_id()


class RequestIdMiddleware:
    """Take the proxy's X-Request-ID when it is a safe token, else make one; put it on the
    request (``request.request_id``), in every log record of the request, and on the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else new_request_id()
        request.request_id = request_id
        # Cleared when the response is finished (portal.logs.clear_request_id on request_finished),
        # not here: Django logs "Not Found" and other responses after the middleware has returned.
        bind_request_id(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestSizeLimitMiddleware:
    """Answer 413 to a request whose Content-Length exceeds PORTAL_REQUEST_MAX_BYTES, without
    reading its body. (A body without Content-Length is read by Django only up to the limits of
    DATA_UPLOAD_MAX_MEMORY_SIZE, and uploaded files stream to temporary files.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.PORTAL_REQUEST_MAX_BYTES:
            from portal.error_views import request_too_large

            return request_too_large(request, length)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Permissions-Policy: the portal uses none of these browser features, so no page (or
    anything injected into one) may ask for them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PORTAL_PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PORTAL_PERMISSIONS_POLICY)
        return response


PRIVATE_NO_STORE = "private, no-store"


def mark_private(response):
    """Neither the browser's back-forward cache, a shared proxy nor a CDN may keep this response."""
    response["Cache-Control"] = PRIVATE_NO_STORE
    if "Expires" in response:
        del response["Expires"]
    return response


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in person: their pages
    carry personal and case data (a shared computer's cache, a proxy). Public pages answered to
    visitors keep their own caching. The firm and staff API mark their responses themselves
    (`portal.api.base.PrivateResponseMixin`), tokens included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Without a session cookie nobody is signed in: the session is not even loaded.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                mark_private(response)
        return response
