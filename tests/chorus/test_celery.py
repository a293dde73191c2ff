"""The configured broker carries real tasks to a real worker, with countdowns and beat."""

from __future__ import annotations

import time
import uuid

import pytest

from chorus.models import WorkerProbe
from chorus.tasks import ping
from tests.utils import workers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_runs_a_task_sent_through_the_broker(celery_worker):
    token = uuid.uuid4().hex
    ping.delay(token)
    workers.wait_until(
        lambda: WorkerProbe.objects.filter(token=token).exists(), timeout=30, what="the task"
    )


def test_a_countdown_delays_the_task(celery_worker):
    token = uuid.uuid4().hex
    sent = time.monotonic()
    ping.apply_async((token,), countdown=2)
    time.sleep(1)
    assert not WorkerProbe.objects.filter(token=token).exists()
    workers.wait_until(
        lambda: WorkerProbe.objects.filter(token=token).exists(), timeout=30, what="the task"
    )
    assert time.monotonic() - sent >= 2


def test_beat_publishes_scheduled_tasks_that_the_worker_runs(celery_worker):
    with workers.celery_beat(CHORUS_BEAT_PROBE="1"):
        workers.wait_until(
            lambda: WorkerProbe.objects.filter(token="beat").exists(),
            timeout=45,
            what="a task published by beat",
        )
