"""What a piece of code asks PostgreSQL, message by message, as libpq itself traces it."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable

from django.db import connection
from psycopg import pq


def client_queries(run: Callable[[], object]) -> list[str]:
    """The queries the client sent the server while ``run`` ran (each a round trip): libpq's
    trace of the default connection, its ``Query`` messages in order, BEGIN and COMMIT included,
    which Django's query log leaves out."""
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    with tempfile.TemporaryFile("w+") as trace:
        # libpq writes through a stream of its own on this descriptor, never closed: a copy.
        descriptor = os.dup(trace.fileno())
        pgconn.trace(descriptor)
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            run()
        finally:
            pgconn.untrace()  # flushes the stream
            os.close(descriptor)
        trace.seek(0)
        # One message per entry, "F" (from the client) or "B" (from the server) at its head; a
        # query's text runs on over the lines of its SQL.
        messages = re.split(r"^(?=[FB]\t)", trace.read(), flags=re.MULTILINE)
    return [
        message.split("\tQuery\t", 1)[1].strip().removeprefix('"').removesuffix('"')
        for message in messages
        if message.startswith("F\t") and "\tQuery\t" in message
    ]
