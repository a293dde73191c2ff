"""Throttling per API token (or per session user), with rates read from the settings at run time
(``API_THROTTLE_RATES``) so that they can differ per deployment and per test.

With the portal's Redis cache (``CACHE_URL=redis://…``, production) a request is checked and
counted in one atomic round trip (``RedisCache.sliding_window_hit``): DRF's own throttle reads
the history then writes it back, two round trips on every API request, and two requests of one
token on two web processes would both read the same history, one of them never counted. With
any other cache (``locmem``: development, tests) it is DRF's throttle, unchanged."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import redis
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from rest_framework.throttling import SimpleRateThrottle

from chorus.cache import RedisCache, WindowHit

if TYPE_CHECKING:
    from rest_framework.request import Request

logger = logging.getLogger("chorus.api")


class TokenRateThrottle(SimpleRateThrottle):
    """Counts the calls of each token: two tokens of one user have a budget each."""

    scope = "token"
    # Set by DRF's __init__ from the rate (never None here: get_rate always gives one), unknown
    # to the stubs.
    num_requests: int
    duration: int
    hit: WindowHit | None = None

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

    def allow_request(self, request: Request, view: Any) -> bool:
        """On the Redis cache, one round trip; on any other, DRF's read then write.

        A Redis cache that does not answer lets the request through (logged): the API goes on
        unthrottled rather than answer 500 to every call (DRF's throttle did), as the deposits
        go on without the broker (tests/faults/test_redis_down.py)."""
        cache = self._redis_cache()
        if cache is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        self.now = self.timer()
        try:
            self.hit = cache.sliding_window_hit(
                self.key, now=self.now, window=self.duration, limit=self.num_requests
            )
        except (redis.ConnectionError, redis.TimeoutError):
            logger.warning("API throttling skipped: the cache does not answer", exc_info=True)
            return True
        return self.hit.allowed

    def wait(self) -> float | None:
        """DRF's answer (seconds until the oldest counted request leaves the window, spread over
        the requests then available), from what the window's one round trip returned."""
        if self.hit is None:
            return super().wait()
        elapsed = 0.0 if self.hit.oldest is None else self.now - self.hit.oldest
        available = self.num_requests - self.hit.counted + 1
        if available <= 0:
            return None
        return (self.duration - elapsed) / available

    def _redis_cache(self) -> RedisCache | None:
        # DRF's ``cache`` is Django's proxy to caches["default"], never a RedisCache itself.
        cache = caches[DEFAULT_CACHE_ALIAS] if self.cache is default_cache else self.cache
        return cache if isinstance(cache, RedisCache) else None


class AuthRateThrottle(TokenRateThrottle):
    """For the token endpoint, called without a token: per client address."""

    scope = "auth"
