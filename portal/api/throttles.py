"""Throttles whose rates are read from settings at request time (PORTAL_API_THROTTLE_RATES),
so a deployment or a test can change them without re-importing DRF."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class _SettingsRateThrottle(SimpleRateThrottle):
    def __init__(self):  # SimpleRateThrottle reads the rate in __init__; we do it per request
        pass

    def get_rate(self):
        return settings.PORTAL_API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class AnonThrottle(_SettingsRateThrottle):
    """Per client address, for requests without credentials."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenThrottle(_SettingsRateThrottle):
    """Per API token."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UserThrottle(_SettingsRateThrottle):
    """Per signed-in person (session)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken) or not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


ALL = [AnonThrottle, TokenThrottle, UserThrottle]
