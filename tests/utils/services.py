"""Deciding whether a test that needs a real service runs, skips, or fails.

Without ``CHORUS_REQUIRE_SERVICES=1`` a missing service skips the test with the reason;
with it (as in CI) the absence is a failure, so that a green CI run means the test ran.
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from django.conf import settings
from django.db import connection


def services_required() -> bool:
    return os.environ.get("CHORUS_REQUIRE_SERVICES") == "1"


def unavailable(reason: str) -> None:
    if services_required():
        pytest.fail(f"CHORUS_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        unavailable("this test needs PostgreSQL (set DATABASE_URL=postgres://…)")


def require_redis() -> None:
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        unavailable("this test needs Redis (set CELERY_BROKER_URL=redis://…)")
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis does not answer at {settings.CELERY_BROKER_URL}: {exc}")


def redis_cache(reason: str) -> dict[str, str]:
    """The settings of a cache on the tests' Redis (the broker's), as production's CACHE_URL
    makes it, under a key prefix of its own; skips with ``reason`` where the broker is not
    Redis (the zero-configuration run)."""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip(reason)
    return {
        "BACKEND": "chorus.cache.RedisCache",
        "LOCATION": settings.CELERY_BROKER_URL,
        "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    }


def chromium_path() -> str:
    path = os.environ.get("CHORUS_CHROMIUM") or shutil.which("chromium") or ""
    if not path or not os.path.exists(path):
        unavailable("this test needs Debian's chromium (apt-get install chromium)")
    return path
