"""gunicorn settings of the web tier (docker-compose's ``web`` and the image's command).

The post-fork hook compiles the schematron stylesheets in each worker: a Saxon processor must
be created after the fork, never in the master (docs/architecture.md, "Standards"), and
compiling there once spares the first upload a wait of a second or more. Do not add
``preload_app`` with threads without reading that note.
"""

import logging
import os

bind = "0.0.0.0:8000"
# One sync worker per core the process may run on: a request is mostly CPU (an API deposit:
# ~6-7 ms of Python, ~2.6 ms of PostgreSQL), so more workers than cores only queue for them.
# Measured on 2 cores, 16 clients (BENCHMARKS.md, 2026-12-07): 2 workers 187-189 deposits/s,
# p95 101-102 ms; 3 workers 158-185/s, p95 99-116 ms: no better. WEB_CONCURRENCY, gunicorn's
# own variable, sets another count (a host whose cores are limited by a CPU quota rather than
# by affinity).
workers = int(os.environ.get("WEB_CONCURRENCY") or 0) or len(os.sched_getaffinity(0))
accesslog = "-"


def post_fork(server: object, worker: object) -> None:
    from einvoice.validation import warm_up

    try:
        warm_up()
    except Exception:  # a worker without warm stylesheets still validates, only slower
        logging.getLogger("gunicorn.error").exception("schematron warm-up failed")
