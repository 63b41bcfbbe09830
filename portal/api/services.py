"""Creating and revoking API tokens: principals only, audited, the key shown once."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing.models import Firm, FirmRole
from licensing.permissions import firm_role
from portal.audit.chain import record
from portal.errors import NotFound, NotPermitted, RuleBroken
from portal.transitions import lock

from .models import ApiToken

KEY_PREFIX = "pvt_"  # recognisable in logs and by secret scanners


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def split_key(key: str) -> str | None:
    """The lookup prefix of a presented key, or None when it is not shaped like ours."""
    if not key.startswith(KEY_PREFIX):
        return None
    prefix, dot, secret = key[len(KEY_PREFIX) :].partition(".")
    if not dot or not prefix or not secret or len(prefix) > 16:
        return None
    return prefix


def _require_principal(actor, firm) -> None:
    if firm_role(actor, firm) != FirmRole.PRINCIPAL:
        raise NotPermitted(_("Only the firm's principal can manage API tokens."))


@transaction.atomic
def api_token_create(*, actor, firm_id: int, name: str) -> tuple[ApiToken, str]:
    """A new token for the firm, and its key: returned once, stored only as a hash."""
    name = " ".join((name or "").split())
    if not name:
        raise RuleBroken(_("Name the token."), field_errors={"name": [_("Say what the token is for.")]})
    if len(name) > 100:
        raise RuleBroken(
            _("Use at most 100 characters."), field_errors={"name": [_("Use at most 100 characters.")]}
        )
    firm = lock(Firm.objects, firm_id, state_field="stage")
    _require_principal(actor, firm)
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}.{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        firm=firm, name=name, prefix=prefix, key_hash=hash_key(key), created_by=actor
    )
    record(actor=actor, action="api_token.create", obj=token, details={"name": name, "prefix": prefix})
    return token, key


@transaction.atomic
def api_token_revoke(*, actor, firm_id: int, token_id: int) -> ApiToken:
    firm = lock(Firm.objects, firm_id, state_field="stage")
    _require_principal(actor, firm)
    token = ApiToken.objects.select_for_update().filter(pk=token_id, firm=firm).first()
    if token is None:
        raise NotFound(_("API token not found."))
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    record(actor=actor, action="api_token.revoke", obj=token, details={"prefix": token.prefix})
    return token
