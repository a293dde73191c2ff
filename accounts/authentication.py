"""API authentication with named tokens: ``Authorization: Token <key>``.

The key is looked up by its SHA-256 (only the digest is stored); a revoked or expired token, or
one whose user is inactive, authenticates nothing. ``request.auth`` is the ``ApiToken``, so that
throttling and the scopes (chorus/api/permissions.py) can use it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from accounts import selectors, services
from accounts.models import ApiToken, User

# Longer than any key the portal makes: anything longer is refused before it is hashed.
MAX_KEY_LENGTH = 200


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        return super().authenticate(request)

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        token = None
        if 0 < len(key) <= MAX_KEY_LENGTH:
            token = selectors.api_token_by_digest(services.api_token_digest(key))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Jeton invalide, expiré ou révoqué."))
        services.api_token_touch(token=token, min_interval=settings.API_TOKEN_TOUCH_INTERVAL)
        return token.user, token
