"""The error pages (400, 403, 404, 413, 500): generic, with the request's correlation id, never
a traceback. Under /api/ the same errors are RFC 7807 problem documents carrying the id too.

A page that fails to render (the base layout needs the database, which may be what failed) falls
back to a minimal page that needs nothing; the 500 page never uses the base layout at all.
"""

import logging

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from portal.middleware import request_id_of

logger = logging.getLogger(__name__)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _titles():
    return {
        400: _("The request could not be understood."),
        403: _("You do not have permission to see this page."),
        404: _("Page not found"),
        413: _("The request is too large."),
        500: _("Sorry, something went wrong on our side."),
    }


def _problem(request, status: int, type_: str, detail: str) -> JsonResponse:
    body = {
        "type": f"/problems/{type_}",
        "title": _titles()[status],
        "status": status,
        "detail": detail,
        "request_id": request_id_of(request),
    }
    return JsonResponse(body, status=status, content_type="application/problem+json")


def _minimal(request, status: int) -> HttpResponse:
    title = escape(_titles()[status])
    reference = escape(_("Reference: %(id)s") % {"id": request_id_of(request)})
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><h1>{title}</h1><p>{reference}</p></body></html>"
    )
    return HttpResponse(html, status=status)


def _page(request, status: int, template: str, **context) -> HttpResponse:
    context["request_id"] = request_id_of(request)
    try:
        html = loader.render_to_string(template, context, request=request)
    except Exception:
        logger.exception("The %s error page could not be rendered; the minimal page was sent.", status)
        return _minimal(request, status)
    return HttpResponse(html, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    if _is_api(request):
        return _problem(request, 400, "bad-request", _titles()[400])
    return _page(request, 400, "400.html")


@requires_csrf_token
def permission_denied(request, exception=None):
    if _is_api(request):
        return _problem(request, 403, "permission-denied", _titles()[403])
    return _page(request, 403, "403.html")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without its token (often a page left open too long)."""
    logger.warning("CSRF check failed: %s", reason)
    if _is_api(request):
        return _problem(
            request,
            403,
            "csrf-failed",
            _("The request was refused because its CSRF token is missing or wrong."),
        )
    return _page(request, 403, "403_csrf.html")


@requires_csrf_token
def page_not_found(request, exception=None):
    if _is_api(request):
        return _problem(request, 404, "not-found", _("Nothing is found at this address."))
    return _page(request, 404, "404.html")


@requires_csrf_token
def server_error(request):
    if _is_api(request):
        return _problem(
            request,
            500,
            "server-error",
            _("The error was logged. Quote the request id if you report it."),
        )
    # No request context: nothing here may touch the database or the session.
    try:
        html = loader.render_to_string("500.html", {"request_id": request_id_of(request)})
    except Exception:
        logger.exception("The 500 error page could not be rendered; the minimal page was sent.")
        return _minimal(request, 500)
    return HttpResponse(html, status=500)


def request_too_large(request, length: int) -> HttpResponse:
    from django.conf import settings

    from licensing.uploads import human_size

    limit = human_size(settings.PORTAL_REQUEST_MAX_BYTES)
    logger.warning("Request refused: Content-Length %s is over the %s limit.", length, limit)
    if _is_api(request):
        return _problem(
            request,
            413,
            "request-too-large",
            _("The request is larger than %(limit)s, the most the portal accepts.") % {"limit": limit},
        )
    return _page(request, 413, "413.html", limit=limit)
