"""Failed API token attempts, counted per client address; too many lock the address out.

Each failed `Authorization: Token …` attempt adds one to a counter in the cache for the
client's address (the same address the audit trail records). Once it reaches
`PORTAL_API_TOKEN_FAILURE_LIMIT`, every token attempt from that address is answered 429 for
`PORTAL_API_TOKEN_LOCKOUT_MINUTES` (a correct token too: the point is to stop guessing), and the
lockout is recorded once in the audit trail (`auth.api_token_locked`). The counter's window
is the lockout's length, counted from the first failure.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from portal.audit.context import client_ip


class TokenLockedOut(exceptions.Throttled):
    status_code = 429
    default_code = "too_many_failed_token_attempts"
    default_detail = _("Too many failed API token attempts from this address.")
    extra_detail_singular = extra_detail_plural = ""

    def __init__(self, wait_seconds: int):
        super().__init__(
            wait=wait_seconds,
            detail=_(
                "Too many failed API token attempts from this address. Try again in %(minutes)d minutes."
            )
            % {"minutes": max(1, round(wait_seconds / 60))},
        )


def _key(ip: str | None) -> str:
    return f"portal:api-token-failures:{ip or 'unknown'}"


def _window() -> int:
    return settings.PORTAL_API_TOKEN_LOCKOUT_MINUTES * 60


def check(request) -> None:
    """Raise TokenLockedOut when this address has used up its failed attempts."""
    failures = cache.get(_key(client_ip(request)), 0)
    if failures >= settings.PORTAL_API_TOKEN_FAILURE_LIMIT:
        raise TokenLockedOut(_window())


def failed(request) -> None:
    """Count one failed attempt; record the lockout when this one reaches the limit."""
    ip = client_ip(request)
    key = _key(ip)
    cache.add(key, 0, timeout=_window())
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=_window())
        failures = 1
    if failures == settings.PORTAL_API_TOKEN_FAILURE_LIMIT:
        from portal.audit.chain import record

        record(
            actor=None,
            action="auth.api_token_locked",
            details={"failures": failures, "lockout_minutes": settings.PORTAL_API_TOKEN_LOCKOUT_MINUTES},
            ip_address=ip,
        )
