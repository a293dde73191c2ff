from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from invoices import services
from tests.utils.services import redis_cache


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """Each test writes its files in its own folder: what a test stores is what it sees."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def shared_cache(settings) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A cache every process shares (Redis, as production's CACHE_URL): the wake coalesces."""
    settings.CACHES = {"default": redis_cache("the coalesced wake needs a shared cache (Redis)")}
    yield cache
    cache.delete(services.ROUTING_WAKE_KEY)
