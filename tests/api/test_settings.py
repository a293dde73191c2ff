"""The API's settings come from the environment and fail loudly on a bad value."""

from __future__ import annotations

import pytest

from chorus.env import env_cache
from tests.chorus.test_settings import run_django


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("API_THROTTLE_RATE", "fast", "API_THROTTLE_RATE='fast' is not a rate"),
        ("API_THROTTLE_AUTH_RATE", "10/fortnight", "API_THROTTLE_AUTH_RATE='10/fortnight'"),
        ("API_IDEMPOTENCY_TTL_HOURS", "1", "below the minimum of 24"),
        ("CACHE_URL", "memcached://x", "CACHE_URL='memcached://x' is not a cache URL"),
    ],
)
def test_a_malformed_api_setting_stops_start_up_with_a_message_naming_it(variable, value, expected):
    result = run_django(["check"], **{variable: value})

    assert result.returncode != 0
    assert expected in result.stderr


def test_a_redis_cache_url_selects_django_s_redis_cache(monkeypatch):
    monkeypatch.setenv("CACHE_URL", "redis://cache:6379/1")

    assert env_cache("CACHE_URL", "locmem://") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache:6379/1",
    }
    assert env_cache("NOT_SET_AT_ALL", "locmem://")["BACKEND"].endswith("LocMemCache")
