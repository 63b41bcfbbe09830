"""Template context every page needs: the portal's name and the firm being acted for."""

from django.conf import settings

from licensing.web.firm_context import current_membership, memberships_of
from portal.branding import portal_name, regulator_name, regulator_short_name


def portal_context(request):
    context = {
        "PORTAL_NAME": portal_name(),
        "PORTAL_REGULATOR_NAME": regulator_name(),
        "PORTAL_REGULATOR_SHORT_NAME": regulator_short_name(),
        "PORTAL_STAFF_REAUTH_MINUTES": settings.PORTAL_STAFF_REAUTH_MINUTES,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        memberships = memberships_of(request)
        membership = current_membership(request)
        context["my_memberships"] = memberships
        context["current_firm"] = membership.firm if membership else None
        context["current_role_label"] = membership.get_role_display() if membership else ""
    return context
