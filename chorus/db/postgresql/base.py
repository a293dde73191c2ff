"""Django's PostgreSQL backend whose pooled checkout costs no round trip in the common case.

With ``CONN_HEALTH_CHECKS`` Django hands psycopg's pool ``ConnectionPool.check_connection``,
an empty query at every checkout: with a connection given back at the end of every request,
one more round trip per request (~6 % of a gunicorn worker's time under the deposit load of
issue 15). This backend runs with ``CONN_HEALTH_CHECKS`` off, so that Django adds no check,
and checks each connection it takes from the pool itself, without talking to the server:

- a connection psycopg already knows broken (closed, or libpq's status not OK) fails at once;
- a connection that sat idle has nothing to read. If its socket is readable, the server spoke
  while it was idle — almost always its goodbye (a restart, ``pg_terminate_backend``,
  ``idle_session_timeout``) — and only then does the real check (the empty query) run.

A connection that fails is closed and given back to the pool, which discards it and opens
another, and the checkout takes the next one.

The limit: a connection the network cut silently (no FIN, no RST: a firewall dropping an idle
flow, a host gone) looks healthy until used. The request that gets it fails on its first query
and answers the portal's 503 (``tests/faults/test_database_break.py``), as it could already
between the empty query and the first real one.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq
from psycopg_pool import ConnectionPool


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: Any) -> Any:
        """A sound connection from the pool. Bounded: at worst every connection the pool held
        is dead, and the one after them is new."""
        if not self.pool:
            return super().get_new_connection(conn_params)
        for _attempt in range(self.pool.max_size + 1):
            connection = super().get_new_connection(conn_params)
            if connection_is_sound(connection):
                return connection
            connection.close()
            self.pool.putconn(connection)
        raise psycopg.OperationalError("no working connection in the database pool")


def connection_is_sound(connection: psycopg.Connection[Any]) -> bool:
    """Whether a connection just taken from the pool may be handed to a request: no round trip
    unless the server sent something while the connection was idle."""
    if connection.closed or connection.pgconn.status != pq.ConnStatus.OK:
        return False
    if not _has_data_waiting(connection.fileno()):
        return True
    try:
        ConnectionPool.check_connection(connection)
    except psycopg.Error:
        return False
    return True


def _has_data_waiting(fd: int) -> bool:
    """Whether the socket is readable (or hung up) now. ``poll``, not ``select.select``, which
    fails on descriptors of 1024 and above."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))
