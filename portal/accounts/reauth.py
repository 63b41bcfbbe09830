"""Re-authentication before a decision (grant, refuse, send back, reverse, suspend, lift,
revoke) when the person's last authentication is older than PORTAL_STAFF_REAUTH_MINUTES.

Web pages raise allauth's `ReauthenticationRequired`: its middleware keeps the POST in the
session, sends the person to re-enter their password (or, from there, their second factor)
and then replays the kept POST, so what they typed is not lost. The API cannot ask for a
password in the middle of a request: it answers 403 with the problem type
`reauthentication-required`, and the client re-authenticates (on the web page
/accounts/reauthenticate/, which refreshes the same session) and sends the request again.
"""

from allauth.core.exceptions import ReauthenticationRequired
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from portal.accounts.sessions import recently_authenticated


class ReauthenticationRequiredProblem(exceptions.APIException):
    status_code = 403
    default_code = "reauthentication_required"
    default_detail = _(
        "This decision needs a recent sign-in. Re-enter your password or second factor at "
        "/accounts/reauthenticate/ in this session, then send the request again."
    )


def require_recent_authentication(request) -> None:
    """For web views: raise allauth's ReauthenticationRequired when the sign-in is stale."""
    if not recently_authenticated(request):
        raise ReauthenticationRequired()


def require_recent_authentication_api(request) -> None:
    """For API views (DRF request): a 403 problem when the sign-in is stale."""
    if not recently_authenticated(request._request if hasattr(request, "_request") else request):
        raise ReauthenticationRequiredProblem()
