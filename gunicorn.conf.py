"""gunicorn settings of the web tier (docker-compose's ``web`` and the image's command).

The post-fork hook compiles the schematron stylesheets in each worker: a Saxon processor must
be created after the fork, never in the master (docs/architecture.md, "Standards"), and
compiling there once spares the first upload a wait of a second or more. Do not add
``preload_app`` with threads without reading that note.
"""

import logging

bind = "0.0.0.0:8000"
workers = 3
accesslog = "-"


def post_fork(server: object, worker: object) -> None:
    from einvoice.validation import warm_up

    try:
        warm_up()
    except Exception:  # a worker without warm stylesheets still validates, only slower
        logging.getLogger("gunicorn.error").exception("schematron warm-up failed")
