"""The Celery application: configured from Django settings (``CELERY_*``)."""

import logging
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings")

app = Celery("chorus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def warm_up_invoice_validation(**_kwargs: object) -> None:
    """Compile the schematron stylesheets in each worker process, after the fork: a Saxon
    processor created before it crashes the children (docs/architecture.md, "Standards")."""
    from einvoice.validation import warm_up

    try:
        warm_up()
    except Exception:  # a process without warm stylesheets still validates, only slower
        logging.getLogger(__name__).exception("schematron warm-up failed")
