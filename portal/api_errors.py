"""Map every API error to one problem-document shape: type, title, status, detail, errors."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import DomainError


def _problem(status_code: int, type_: str, title: str, detail: str, errors=None) -> dict:
    body = {"type": f"/problems/{type_}", "title": title, "status": status_code, "detail": detail}
    if errors:
        body["errors"] = errors
    return body


# DRF's own default_detail for these carries a placeholder ("Method \"{method}\" not allowed."),
# filled in only in `detail`. A problem's title names the kind of problem, the same every time.
_TITLES = {
    exceptions.MethodNotAllowed: _("Method not allowed."),
    exceptions.UnsupportedMediaType: _("Unsupported media type."),
}


def _title(exc) -> str:
    for kind, title in _TITLES.items():
        if isinstance(exc, kind):
            return str(title)
    return str(getattr(exc, "default_detail", _("Error")))


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_problem(), status=exc.status_code, content_type="application/problem+json")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    errors = None
    detail = getattr(exc, "detail", "")
    if isinstance(exc, exceptions.ValidationError):
        errors = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        detail = gettext("The submitted data is not valid.")
        type_ = "validation-error"
    else:
        type_ = getattr(exc, "default_code", "error").replace("_", "-")
    title = _title(exc)
    response.data = _problem(response.status_code, type_, title, str(detail), errors)
    response.content_type = "application/problem+json"
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = response.get("WWW-Authenticate", "Session")
    return response
