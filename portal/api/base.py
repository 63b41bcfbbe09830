"""What every API view shares: who may call it, throttles, pagination, documented errors."""

from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotAuthenticated, PermissionDenied, UnsupportedMediaType
from rest_framework.pagination import PageNumberPagination
from rest_framework.viewsets import GenericViewSet

from licensing.web.firm_context import current_membership
from portal.accounts.mfa import has_mfa
from portal.middleware import mark_private

from . import throttles
from .authentication import ApiTokenAuthentication
from .models import ApiToken


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ReadsBodyFirst:
    """A write's body is parsed as soon as the caller is known to be allowed, before any state
    check: malformed JSON (portal.api.parsers) is a 400 problem whatever the object's state."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in WRITE_METHODS:
            try:
                request.data  # noqa: B018 - parsing is the point; a ParseError becomes the 400 problem
            except UnsupportedMediaType:
                pass  # a body of the wrong type: answered (415) where the view reads it, after its 404s


class PublicViewSet(GenericViewSet):
    """No credentials needed or read; throttled per client address."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [throttles.AnonThrottle]
    pagination_class = Pagination

    def problem_codes(self, action, method):
        return (400, 404, 429) if action == "list" else (404, 429)


class PrivateResponseMixin:
    """Every answer of a non-public endpoint, errors included, is `private, no-store`."""

    def finalize_response(self, request, response, *args, **kwargs):
        return mark_private(super().finalize_response(request, response, *args, **kwargs))


class IsFirmUser(permissions.BasePermission):
    """A firm's token, or a signed-in member acting for a firm; sets `request.firm`."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            raise NotAuthenticated
        if isinstance(request.auth, ApiToken):
            request.firm = request.auth.firm
            return True
        membership = current_membership(request._request)
        if membership is None:
            raise PermissionDenied("Only the people of a firm (or its API tokens) can use this endpoint.")
        request.firm = membership.firm
        return True


class FirmViewSet(PrivateResponseMixin, ReadsBodyFirst, GenericViewSet):
    """The firm's own data. Every query is scoped to `request.firm`: another firm's ids are 404."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsFirmUser]
    throttle_classes = throttles.ALL
    pagination_class = Pagination

    def problem_codes(self, action, method):
        codes = {401, 403, 404, 429}
        if method in WRITE_METHODS:
            codes |= {400, 409, 415, 422}
        return codes


class IsStaffWithMfa(permissions.BasePermission):
    message = "Only regulator staff with two-factor authentication can use this endpoint."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            raise NotAuthenticated
        return bool(user.is_regulator_staff and has_mfa(user))


class StaffViewSet(PrivateResponseMixin, ReadsBodyFirst, GenericViewSet):
    """The regulator's casework: signed-in staff (session) with a second factor. No tokens."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsStaffWithMfa]
    throttle_classes = throttles.ALL
    pagination_class = Pagination

    def problem_codes(self, action, method):
        codes = {401, 403, 404, 429}
        if method in WRITE_METHODS:
            codes |= {400, 409, 415, 422}
        return codes
