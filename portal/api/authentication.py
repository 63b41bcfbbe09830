"""`Authorization: Token <key>`: a firm's API token.

The token acts as the principal who created it, within that one firm only: `request.user`
is the creator (so every service function checks rights and audits as for the web UI),
`request.auth` is the token, whose firm scopes every query. A revoked token, or one whose
creator is no longer an active principal of the firm, is refused with 401.
"""

import hmac
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from licensing.models import FirmMembership, FirmRole

from . import lockout
from .models import ApiToken
from .services import hash_key, split_key

LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        # Too many failed attempts from this address: refused before the token is looked at.
        lockout.check(request)
        try:
            if len(header) != 2:
                raise exceptions.AuthenticationFailed(_("Send the header as: Authorization: Token <key>."))
            try:
                key = header[1].decode("ascii")
            except UnicodeDecodeError:
                raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
            return self.authenticate_key(key)
        except exceptions.AuthenticationFailed:
            lockout.failed(request)
            raise

    def authenticate_key(self, key: str):
        prefix = split_key(key)
        token = (
            ApiToken.objects.select_related("firm", "created_by").filter(prefix=prefix).first()
            if prefix
            else None
        )
        # Compare the hash in constant time (also when no token has the prefix).
        expected = token.key_hash if token is not None else "0" * 64
        if not hmac.compare_digest(expected, hash_key(key)) or token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("The token has been revoked."))
        user = token.created_by
        still_principal = FirmMembership.objects.filter(
            firm_id=token.firm_id, user=user, is_active=True, role=FirmRole.PRINCIPAL
        ).exists()
        if not user.is_active or not still_principal:
            raise exceptions.AuthenticationFailed(
                _("The person who created the token no longer acts for the firm.")
            )
        self._touch(token)
        return user, token

    @staticmethod
    def _touch(token: ApiToken) -> None:
        """Record use at most once a minute (most requests write nothing)."""
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.authentication.ApiTokenAuthentication"
    name = "firmToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A firm API token, sent as `Authorization: Token <key>`. Made by the firm's "
            "principal on the firm's API tokens page; scoped to that firm.",
        }
