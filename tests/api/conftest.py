from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts import services as account_services
from tests.api.schema import check_response


class CheckedClient(APIClient):
    """An API client whose every answer is checked against the OpenAPI schema."""

    check_schema = True

    def generic(self, method: str, path: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().generic(method, path, *args, **kwargs)
        if self.check_schema and path.startswith("/api/v1/"):
            check_response(method, path.split("?")[0], response)
        return response

    def as_token(self, key: str | None) -> CheckedClient:
        self.credentials(**({"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}))
        return self


@pytest.fixture(autouse=True)
def fresh_throttles() -> None:
    """Throttling counts in the cache: each test starts with none."""
    cache.clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def anonymous() -> CheckedClient:
    return CheckedClient()


def token_for(user: Any, name: str = "tests") -> str:
    _token, key = account_services.api_token_create(user=user, name=name)
    return key


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    """``client_for(user)``: an API client authenticated with a new token of that user."""

    def build(user: Any) -> CheckedClient:
        return CheckedClient().as_token(token_for(user))

    return build
