"""Regulator staff must use a second factor: until they set one up, they reach nothing
but the pages that set it up (and sign-out). The Django admin signs in through the same
allauth flow (see portal/urls.py), so the rule holds there too."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# Paths a staff member without a second factor may still reach.
# The API answers for itself: staff endpoints refuse staff without a second factor with a 403
# problem document (portal.api.base.IsStaffWithMfa) instead of a redirect to an HTML page.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz", "/favicon.ico", "/api/")


def needs_mfa(user) -> bool:
    return user.is_authenticated and (user.is_staff or user.is_regulator_staff)


def has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    if not hasattr(user, "_has_mfa_cache"):
        user._has_mfa_cache = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return user._has_mfa_cache


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and needs_mfa(user)
            and not request.path.startswith(_OPEN_PREFIXES)
            and not has_mfa(user)
        ):
            messages.warning(
                request,
                _("Regulator staff must set up two-factor authentication before going further."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
