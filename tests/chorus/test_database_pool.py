"""The pooled checkout (chorus/db/postgresql/base.py), on a real PostgreSQL: a healthy idle
connection is handed out without a word to the server, one the server ended while it sat idle
is replaced before a request sees it, and the pool stays within its size while it does.

"Another connection" below is the test's own psycopg connection, outside the pool, from which
it watches (``pg_stat_activity``) and ends (``pg_terminate_backend``) the pool's backends of the
test database.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from chorus.db.postgresql import base as pooled_backend
from tests.api.conftest import token_for
from tests.utils.services import require_postgresql

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

# How long the server may take to deliver what it sends an idle connection (a loaded host).
DELIVERY_BOUND = 10.0
# What the test's own connections call themselves, to tell them from the pool's.
WATCHER = "chorus-pool-test"


def require_pool() -> None:
    require_postgresql()
    if not connection.pool:
        pytest.skip("the database pool is off (DATABASE_POOL=0)")


@contextmanager
def another_connection() -> Iterator[psycopg.Connection[Any]]:
    params = {**connection.get_connection_params(), "application_name": WATCHER}
    with psycopg.connect(**params, autocommit=True) as other:
        yield other


def pool_backends(other: psycopg.Connection[Any]) -> dict[int, tuple[Any, ...]]:
    """The pool's backends of the test database, each with when its state last changed and its
    last query: both move whenever the backend is sent anything."""
    rows = other.execute(
        "SELECT pid, state_change, query FROM pg_stat_activity"
        " WHERE datname = current_database() AND backend_type = 'client backend'"
        " AND application_name <> %s",
        [WATCHER],
    ).fetchall()
    return {pid: (changed, query) for pid, changed, query in rows}


def end_idle_pool_connections() -> list[int]:
    """Give this thread's connection back to the pool, then have the server end every
    connection the pool holds, as a restart or ``idle_session_timeout`` would."""
    connection.close()
    with another_connection() as other:
        pids = list(pool_backends(other))
        for pid in pids:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        # A backend gone from the server has sent its goodbye and closed its socket.
        wait_until(lambda: not set(pids) & set(pool_backends(other)), "the backends to end")
    return pids


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DELIVERY_BOUND
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {DELIVERY_BOUND} s for {what}")
        time.sleep(0.02)


@contextmanager
def pool_of(size: int) -> Iterator[Any]:
    """The test database's pool made again with exactly ``size`` connections (and a short
    wait for one), open and full; the usual pool again afterwards."""
    options = connection.settings_dict["OPTIONS"]
    usual = options["pool"]
    connection.close()
    connection.close_pool()
    options["pool"] = {**usual, "min_size": size, "max_size": size, "timeout": 2.0}
    try:
        connection.pool.open(wait=True, timeout=10)
        yield connection.pool
    finally:
        connection.close()
        connection.close_pool()
        options["pool"] = usual


def test_a_checkout_of_a_healthy_pooled_connection_sends_nothing_to_the_server():
    require_pool()
    connection.ensure_connection()
    connection.close()
    with another_connection() as other:
        before = pool_backends(other)
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        after = pool_backends(other)
    assert pid in before, "the checkout opened a new connection instead of an idle one"
    assert after[pid] == before[pid], "the checkout sent something to the server"


def test_the_health_check_answers_after_the_server_ended_the_pooled_connections():
    require_pool()
    assert end_idle_pool_connections()
    response = Client(raise_request_exception=False).get("/sante/")
    assert response.status_code == 200, response.content


def test_an_api_call_answers_after_the_server_ended_the_pooled_connections(personas):
    require_pool()
    token = token_for(personas.supplier_principal)
    assert end_idle_pool_connections()
    response = APIClient(raise_request_exception=False).get(
        "/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 200, response.content


def test_without_the_checkout_check_an_ended_connection_would_answer_a_503(monkeypatch):
    """What the two tests above guard against: the scenario really breaks a request."""
    require_pool()
    with pool_of(1):
        end_idle_pool_connections()
        with monkeypatch.context() as patch:
            patch.setattr(pooled_backend, "connection_is_sound", lambda _connection: True)
            response = Client(raise_request_exception=False).get("/sante/")
    assert response.status_code == 503


def test_replacing_ended_connections_keeps_the_pool_within_its_size():
    """Every connection of a full pool ended: the checkout gives each back (a connection kept
    would leave the pool short, and the request would wait out its timeout) and gets a new one,
    and the pool never holds more than its size."""
    require_pool()
    with pool_of(2) as pool, another_connection() as other:
        ended = end_idle_pool_connections()
        assert len(ended) == 2
        for _request in range(3):
            assert Client(raise_request_exception=False).get("/sante/").status_code == 200
            connection.close()
        pool.wait(timeout=10)
        stats = pool.get_stats()
        backends = pool_backends(other)
    assert stats["pool_size"] == stats["pool_available"] == 2
    assert len(backends) == 2 and not set(backends) & set(ended)


def test_a_connection_the_server_only_notified_is_checked_once_and_kept():
    """A readable socket is not always a goodbye (here a NOTIFY): the empty query then runs,
    and the connection, sound, is kept."""
    require_pool()
    with pool_of(1), another_connection() as other:
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        with connection.cursor() as cursor:
            cursor.execute("LISTEN chorus_pool_test")
        pooled = connection.connection
        connection.close()
        other.execute("NOTIFY chorus_pool_test")
        wait_until(lambda: pooled_backend._has_data_waiting(pooled.fileno()), "the notification")
        before = pool_backends(other)[pid]
        connection.ensure_connection()
        after = pool_backends(other)[pid]
        assert connection.connection.info.backend_pid == pid
    assert after != before, "the readable connection was not checked"
