"""The API's throttling on the portal's Redis cache (production's ``CACHE_URL``): one atomic
round trip per request (chorus/api/throttling.py, ``RedisCache.sliding_window_hit``).

On a real Redis (the tests' broker), each test under a key prefix of its own. DRF's own
throttle, kept for the other caches, is tested on locmem in test_errors.py."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory, force_authenticate

from accounts import services as account_services
from accounts.models import ApiToken
from chorus.api.throttling import TokenRateThrottle
from tests.api.conftest import CheckedClient
from tests.utils.services import redis_cache, require_redis
from tests.utils.workers import free_port


class CountingConnection(redis.Connection):
    """A connection to the real Redis that counts the replies it reads: one per command."""

    replies = 0

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        CountingConnection.replies += 1
        return super().read_response(*args, **kwargs)


class Clock:
    """The throttle's timer, moved by hand: the window passes without sleeping."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_throttles(settings, fresh_throttles) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The default cache on Redis, as production's; after ``fresh_throttles``, whose clear()
    must empty the test's locmem, never the Redis database."""
    require_redis()
    shared = redis_cache("throttling on Redis needs Redis")
    settings.CACHES = {"default": {**shared, "OPTIONS": {"connection_class": CountingConnection}}}
    yield


def api_token(user: Any, name: str) -> ApiToken:
    token, _key = account_services.api_token_create(user=user, name=name)
    return token


def request_of(token: ApiToken) -> Request:
    http = APIRequestFactory().get("/api/v1/me/")
    force_authenticate(http, user=token.user, token=token)
    return Request(http)


def check(request: Request, clock: Clock | None = None) -> TokenRateThrottle:
    """One request through a new throttle, as DRF makes one per request."""
    throttle = TokenRateThrottle()
    if clock is not None:
        throttle.timer = clock
    throttle.allowed = throttle.allow_request(request, None)  # type: ignore[attr-defined]
    return throttle


def allowed(request: Request, clock: Clock) -> bool:
    return bool(check(request, clock).allowed)  # type: ignore[attr-defined]


def window_key(token: ApiToken) -> str:
    return cache.make_key(f"window:throttle_token_token-{token.pk}")


def redis_client() -> Any:
    return cache._cache.get_client(write=True)  # type: ignore[attr-defined]


@pytest.mark.usefixtures("redis_throttles")
def test_a_token_gets_its_limit_then_429_with_a_retry_after_within_the_window(personas, settings):
    from tests.api.conftest import token_for

    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "3/minute"}
    client = CheckedClient().as_token(token_for(personas.supplier_member))

    answers = [client.get("/api/v1/me/") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["code"] == "throttled"
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60
    token = ApiToken.objects.get(user=personas.supplier_member)
    assert redis_client().zcard(window_key(token)) == 3  # counted on Redis, refusal not counted
    assert 0 < redis_client().ttl(window_key(token)) <= 60


@pytest.mark.usefixtures("redis_throttles")
def test_two_tokens_of_one_user_have_a_budget_each(personas, settings):
    from tests.api.conftest import token_for

    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "2/minute"}
    first = CheckedClient().as_token(token_for(personas.supplier_member, "one"))
    second = CheckedClient().as_token(token_for(personas.supplier_member, "two"))

    assert [first.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
    assert [second.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.usefixtures("redis_throttles")
def test_the_token_endpoint_is_throttled_per_address_on_redis(db, settings, anonymous):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "auth": "2/minute"}
    body = {"email": "x@example.fr", "password": "x"}

    answers = [anonymous.post("/api/v1/auth/token/", body, format="json") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [401, 401, 429]


@pytest.mark.usefixtures("redis_throttles")
def test_refused_requests_are_not_counted_and_the_budget_comes_back_after_the_window(
    personas, settings
):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "2/minute"}
    request = request_of(api_token(personas.supplier_member, "batch"))
    clock = Clock()

    first = [allowed(request, clock) for _ in range(3)]
    clock.now += 30
    refused_mid_window = allowed(request, clock)
    clock.now += 30.001  # the first two have left the window; the refusals never entered it
    after_window = [allowed(request, clock) for _ in range(3)]

    assert first == [True, True, False]
    assert refused_mid_window is False
    assert after_window == [True, True, False]


@pytest.mark.usefixtures("redis_throttles")
def test_the_wait_is_until_the_oldest_counted_request_leaves_the_window(personas, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "2/minute"}
    request = request_of(api_token(personas.supplier_member, "batch"))
    clock = Clock()

    check(request, clock)
    clock.now += 10
    check(request, clock)
    clock.now += 10
    refused = check(request, clock)

    assert refused.allowed is False  # type: ignore[attr-defined]
    assert refused.wait() == pytest.approx(40)  # the first, 20 s old, leaves in 40 s


@pytest.mark.usefixtures("redis_throttles")
def test_two_requests_at_the_same_instant_both_count(personas, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "2/minute"}
    request = request_of(api_token(personas.supplier_member, "batch"))
    clock = Clock()

    assert [allowed(request, clock) for _ in range(3)] == [True, True, False]


@pytest.mark.usefixtures("redis_throttles")
def test_concurrent_requests_of_one_token_are_counted_exactly(personas, settings):
    """20 threads × 5 calls against a limit of 50, all at the same instant: a read then a
    write (DRF's) lets more through, one shared timestamp as the member lets all through."""
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "50/minute"}
    request = request_of(api_token(personas.supplier_member, "batch"))
    clock = Clock()
    start = threading.Barrier(20)

    def five_calls(_: int) -> list[bool]:
        start.wait()
        return [allowed(request, clock) for _ in range(5)]

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = [answer for calls in pool.map(five_calls, range(20)) for answer in calls]

    assert answers.count(True) == 50
    assert answers.count(False) == 50


@pytest.mark.usefixtures("redis_throttles")
def test_a_history_left_by_drf_s_throttle_does_not_break_it(personas, settings):
    """During an upgrade a web node of the previous version writes DRF's pickled list under
    the throttle's bare key: the window lives under a key of its own, no WRONGTYPE."""
    from tests.api.conftest import token_for

    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "2/minute"}
    client = CheckedClient().as_token(token_for(personas.supplier_member))
    token = ApiToken.objects.get(user=personas.supplier_member)
    cache.set(f"throttle_token_token-{token.pk}", [time.time()] * 5, 60)  # full, for DRF

    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.usefixtures("redis_throttles")
def test_a_check_is_one_command_to_redis_whether_allowed_or_refused(personas, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "2/minute"}
    request = request_of(api_token(personas.supplier_member, "batch"))
    clock = Clock()
    check(request_of(api_token(personas.supplier_member, "warm-up")), clock)  # connects, loads

    replies = []
    for _ in range(3):
        before = CountingConnection.replies
        check(request, clock)
        replies.append(CountingConnection.replies - before)

    assert replies == [1, 1, 1]


def test_an_unreachable_redis_lets_the_request_through_with_a_warning(personas, settings, caplog):
    """Without its cache the API goes on unthrottled rather than answer 500 to every call."""
    from tests.api.conftest import token_for

    client = CheckedClient().as_token(token_for(personas.supplier_member))
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # a port nothing listens on
    settings.CACHES = {"default": {"BACKEND": "chorus.cache.RedisCache", "LOCATION": nowhere}}

    with caplog.at_level(logging.WARNING, logger="chorus.api"):
        response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert "API throttling skipped" in caplog.text
