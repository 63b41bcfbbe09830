"""Sign-in events in the audit trail (docs/adr/0008-sign-in-and-audit-anchoring.md).

- every successful sign-in: `auth.login_succeeded`, the person as actor and object;
- every failed password check (sign-in and re-authentication): `auth.login_failed`, with no
  actor; the object is the account when the identifier names one;
- every wrong second-factor code: `auth.second_factor_failed` (the object is the account);
- the first refusal once the failed-sign-in limit is reached: `auth.login_locked`;
- API token lockouts: `auth.api_token_locked` (portal.api.lockout).

The identifier someone typed is never stored as typed: people type their password into the
e-mail field, and the audit table keeps everything forever. It is stored as a keyed hash
(HMAC-SHA256 with the secret key), which an investigator can compare with the hash of an
address they suspect (`identifier_hash()`). Passwords are never stored in any form.
"""

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import get_user_model

from portal.accounts import sessions

_HASH_CONTEXT = b"portal.accounts.sign-in-identifier"


def identifier_hash(identifier: str) -> str:
    normalised = (identifier or "").strip().lower().encode("utf-8")
    key = hashlib.sha256(_HASH_CONTEXT + settings.SECRET_KEY.encode("utf-8")).digest()
    return hmac.new(key, normalised, hashlib.sha256).hexdigest()


def _identifier(credentials: dict) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


def _account(identifier: str):
    if not identifier:
        return None
    return get_user_model().objects.filter(email__iexact=identifier.strip()).first()


def _ip(request):
    from portal.audit.context import client_ip, current_ip

    return current_ip() or (client_ip(request) if request is not None else None)


def on_login(sender, request, user, **kwargs):
    from portal.audit.chain import record

    sessions.mark_login(request, user)
    record(actor=user, action="auth.login_succeeded", obj=user, ip_address=_ip(request))


def on_login_failed(sender, credentials, request=None, **kwargs):
    from portal.audit.chain import record

    identifier = _identifier(credentials)
    account = _account(identifier)
    record(
        actor=None,
        action="auth.login_failed",
        obj=account,
        details={"identifier_hash": identifier_hash(identifier), "known_account": account is not None},
        ip_address=_ip(request),
    )


def on_second_factor_failed(sender, request, user, authenticator, reauthentication=False, **kwargs):
    """A wrong authenticator or recovery code, after a correct password (or at re-authentication)."""
    from portal.audit.chain import record

    record(
        actor=None,
        action="auth.second_factor_failed",
        obj=user,
        details={"type": str(authenticator.type), "reauthentication": bool(reauthentication)},
        ip_address=_ip(request),
    )


def on_authentication_step(sender, request, method, user, **kwargs):
    """allauth checked a password or a second factor (sign-in or re-authentication)."""
    sessions.mark_authenticated(request)


def record_login_locked(request, credentials: dict) -> None:
    """Once per identifier and address while the failed-sign-in limit holds."""
    from django.core.cache import cache

    from portal.audit.chain import record

    identifier = _identifier(credentials)
    digest = identifier_hash(identifier)
    ip = _ip(request)
    if not cache.add(f"portal:login-locked:{digest}:{ip}", 1, timeout=15 * 60):
        return
    account = _account(identifier)
    record(
        actor=None,
        action="auth.login_locked",
        obj=account,
        details={"identifier_hash": digest, "known_account": account is not None},
        ip_address=ip,
    )


def connect() -> None:
    from allauth.account.signals import authentication_step_completed
    from allauth.mfa.signals import authentication_failed as second_factor_failed
    from django.contrib.auth.signals import user_logged_in, user_login_failed

    user_logged_in.connect(on_login, dispatch_uid="portal.accounts.security.on_login")
    user_login_failed.connect(on_login_failed, dispatch_uid="portal.accounts.security.on_login_failed")
    second_factor_failed.connect(
        on_second_factor_failed, dispatch_uid="portal.accounts.security.on_second_factor_failed"
    )
    authentication_step_completed.connect(
        on_authentication_step, dispatch_uid="portal.accounts.security.on_authentication_step"
    )
