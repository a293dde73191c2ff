"""The shared cache (``CACHE_URL=redis://…``): Django's Redis backend, one client per pool.

Django's ``RedisCacheClient`` makes a new ``redis.Redis`` for every operation, and redis-py
builds its table of response callbacks in each one: ~0.1–0.25 ms of CPU, more than the
round trip it wraps (measured on the API deposit, whose throttling and routing wake make three
cache operations). A ``redis.Redis`` holds no connection of its own (its pool does) and may be
shared by threads, so one per connection pool does the same work; the pool itself is Django's,
unchanged (fork-safe: it drops a parent's connections in a child).

It also counts requests in a sliding window in one round trip (``sliding_window_hit``), for the
API's throttling."""

from __future__ import annotations

import secrets
from functools import cached_property
from typing import Any, NamedTuple

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

# KEYS[1]: a sorted set of requests scored by their time. ARGV: now, the window's start (both
# passed as Python wrote them: Lua would round a number to 14 digits, 0.1 ms at today's epoch),
# the window in seconds, the limit, this request's member.
SLIDING_WINDOW_HIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < tonumber(ARGV[4]) then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
    redis.call('EXPIRE', KEYS[1], ARGV[3])
    count = count + 1
    allowed = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {allowed, count, oldest[2] or false}
"""
# Before the key, so that a window never shares a key with a plain value (DRF's own throttle
# keeps a pickled list under the bare key; a sorted set there would answer WRONGTYPE).
SLIDING_WINDOW_PREFIX = "window:"


class WindowHit(NamedTuple):
    """One request offered to a sliding window: let through or not, how many requests the
    window holds now (this one included when let through), when the oldest of them came."""

    allowed: bool
    counted: int
    oldest: float | None


class _OneClientPerPool(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's private members, unknown to the stubs.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        make = self._client  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = make(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache``, its client made once per pool."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _OneClientPerPool

    def sliding_window_hit(
        self, key: str, *, now: float, window: int, limit: int, version: int | None = None
    ) -> WindowHit:
        """Count a request made at ``now`` under ``key`` if fewer than ``limit`` were counted in
        the ``window`` seconds before; a refused one is not counted.

        One round trip, atomic (a Lua script, EVALSHA): a read then a write, as DRF's throttle
        does, costs two, and two processes counting at once would both read the same history
        and one of their requests would be lost. Each request is a member of its own (random),
        so that two made in the same microsecond both count."""
        redis_key = self.make_and_validate_key(SLIDING_WINDOW_PREFIX + key, version=version)
        args = [repr(now), repr(now - window), window, limit, secrets.token_hex(8)]
        allowed, counted, oldest = self._sliding_window_script(keys=[redis_key], args=args)
        return WindowHit(bool(allowed), int(counted), None if oldest is None else float(oldest))

    @cached_property
    def _sliding_window_script(self) -> Any:
        # Writes always go to the first server: one client, one script.
        return self._cache.get_client(write=True).register_script(SLIDING_WINDOW_HIT)
