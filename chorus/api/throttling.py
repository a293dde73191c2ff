"""Throttling per API token (or per session user), with rates read from the settings at run time
(``API_THROTTLE_RATES``) so that they can differ per deployment and per test."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:
    from rest_framework.request import Request


class TokenRateThrottle(SimpleRateThrottle):
    """Counts the calls of each token: two tokens of one user have a budget each."""

    scope = "token"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request: Request, view: Any) -> str:
        from accounts.models import ApiToken

        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AuthRateThrottle(TokenRateThrottle):
    """For the token endpoint, called without a token: per client address."""

    scope = "auth"
