"""The Celery app of the bench's workers: the portal's app, plus a no-op task for the baseline.

Started as ``celery -A bench.worker worker …``. The no-op task does nothing but count itself in
Redis (one pipelined round trip), so that the bench knows when the last one ran.
"""

from __future__ import annotations

import time

import redis
from django.conf import settings

from chorus.celery import app

COUNTER = "bench:noop:count"
FIRST = "bench:noop:first"
LAST = "bench:noop:last"
_client: list[redis.Redis] = []


def _redis() -> redis.Redis:
    if not _client:
        _client.append(redis.Redis.from_url(settings.CELERY_BROKER_URL))
    return _client[0]


@app.task(name="bench.noop", acks_late=True)
def noop(n: int) -> None:
    now = time.time()
    pipe = _redis().pipeline(transaction=False)
    pipe.incr(COUNTER).setnx(FIRST, now).set(LAST, now)
    pipe.execute()


__all__ = ["app", "noop"]
