"""Which firm a signed-in person is acting for (they may belong to several).

The choice lives in the session; it is always re-checked against active memberships, so
a removed member loses access at their next request.
"""

from django.http import Http404

from licensing.models import FirmMembership

SESSION_KEY = "current_firm_id"


def memberships_of(request) -> list[FirmMembership]:
    if not hasattr(request, "_portal_memberships"):
        user = request.user
        request._portal_memberships = (
            list(
                FirmMembership.objects.filter(user=user, is_active=True)
                .select_related("firm")
                .order_by("firm__legal_name")
            )
            if user.is_authenticated
            else []
        )
    return request._portal_memberships


def current_membership(request) -> FirmMembership | None:
    memberships = memberships_of(request)
    if not memberships:
        return None
    wanted = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.firm_id == wanted:
            return membership
    return memberships[0]


def set_current_firm(request, firm_id: int) -> FirmMembership:
    for membership in memberships_of(request):
        if membership.firm_id == firm_id:
            request.session[SESSION_KEY] = firm_id
            return membership
    raise Http404


def require_membership(request) -> FirmMembership:
    """The current membership, or 404 (not 403: nothing about other firms leaks)."""
    membership = current_membership(request)
    if membership is None:
        raise Http404
    return membership
