"""Staff session policy and "recent authentication" for decisions.

Two times live in the session:

- `portal_login_at`: when this session signed in (Django's `user_logged_in`, which every
  sign-in sends, allauth's and the test client's `force_login` alike);
- `portal_auth_at`: the last time the person proved who they are in this session: the
  sign-in itself, and every later step allauth records (password or second factor,
  including re-authentication).

A staff session (anyone who must use two-factor authentication) ends after
`PORTAL_STAFF_IDLE_MINUTES` without a request and `PORTAL_STAFF_SESSION_HOURS` after
signing in. A decision needs `portal_auth_at` no older than `PORTAL_STAFF_REAUTH_MINUTES`.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

from portal.accounts.mfa import needs_mfa

LOGIN_AT = "portal_login_at"
AUTH_AT = "portal_auth_at"
SEEN_AT = "portal_seen_at"
# The last-seen time is written at most this often (seconds), not on every request.
SEEN_RESOLUTION = 60


def now() -> float:
    """The policy's clock (tests move it to travel in time)."""
    return time.time()


def mark_login(request, user) -> None:
    """At sign-in: start the clocks; a staff session's cookie ends with its absolute limit."""
    session = getattr(request, "session", None)
    if session is None:
        return
    t = now()
    session[LOGIN_AT] = t
    session[AUTH_AT] = t
    session[SEEN_AT] = t
    if needs_mfa(user):
        session.set_expiry(settings.PORTAL_STAFF_SESSION_HOURS * 3600)


def mark_authenticated(request) -> None:
    """A password or second factor was just checked in this session (sign-in or re-authentication)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[AUTH_AT] = now()


def recently_authenticated(request) -> bool:
    """Whether the person proved who they are within PORTAL_STAFF_REAUTH_MINUTES."""
    last = request.session.get(AUTH_AT)
    if not isinstance(last, int | float):
        return False
    return now() - last <= settings.PORTAL_STAFF_REAUTH_MINUTES * 60


def expiry_reason(session, t: float) -> str:
    """'' while the staff session may go on, else 'idle' or 'absolute'."""
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT, login_at)
    if not isinstance(login_at, int | float) or not isinstance(seen_at, int | float):
        return "absolute"  # a session without a recorded sign-in (older than this policy)
    if t - login_at > settings.PORTAL_STAFF_SESSION_HOURS * 3600:
        return "absolute"
    if t - seen_at > settings.PORTAL_STAFF_IDLE_MINUTES * 60:
        return "idle"
    return ""


class StaffSessionPolicyMiddleware:
    """Ends a staff session that was idle too long or is older than its absolute limit.

    The request then goes on as anonymous: pages redirect to the sign-in page (and back
    afterwards), the API answers 401.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and needs_mfa(user):
            t = now()
            reason = expiry_reason(request.session, t)
            if reason:
                self._expire(request, user, reason)
            elif t - request.session.get(SEEN_AT, 0) >= SEEN_RESOLUTION:
                request.session[SEEN_AT] = t
        return self.get_response(request)

    @staticmethod
    def _expire(request, user, reason: str) -> None:
        from portal.audit.chain import record
        from portal.audit.context import client_ip

        record(
            actor=user,
            action="auth.session_expired",
            obj=user,
            reason=reason,
            details={
                "idle_minutes": settings.PORTAL_STAFF_IDLE_MINUTES,
                "session_hours": settings.PORTAL_STAFF_SESSION_HOURS,
            },
            ip_address=client_ip(request),
        )
        logout(request)
        if reason == "idle":
            text = _(
                "You were signed out after %(minutes)d minutes without activity. Please sign in again."
            ) % {"minutes": settings.PORTAL_STAFF_IDLE_MINUTES}
        else:
            text = _("Staff sessions last at most %(hours)d hours. Please sign in again.") % {
                "hours": settings.PORTAL_STAFF_SESSION_HOURS
            }
        messages.info(request, text)


def idle_seconds_left(request) -> int | None:
    """Seconds before this session ends for want of a request (None: no idle limit)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not needs_mfa(user):
        return None
    seen = request.session.get(SEEN_AT)
    if not isinstance(seen, int | float):
        return None
    return max(0, int(seen + settings.PORTAL_STAFF_IDLE_MINUTES * 60 - now()))


def keep_alive(request):
    """POST: "stay signed in" from the timeout warning (static/js/session.js). The idle clock
    restarts; a session that already ended is sent to sign in (the script reads the redirect).
    """
    from django.contrib.auth.views import redirect_to_login
    from django.http import HttpResponse, HttpResponseNotAllowed

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return redirect_to_login(request.headers.get("referer") or "/")
    if needs_mfa(request.user):
        request.session[SEEN_AT] = now()
    response = HttpResponse(status=204)
    response["Cache-Control"] = "private, no-store"
    return response
