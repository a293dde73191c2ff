"""The Celery application: configured from Django settings (``CELERY_*``)."""

import logging
import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

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


@worker_init.connect
def warm_up_before_the_fork(**_kwargs: object) -> None:
    """Import the URL configuration (every view module), load the translation catalogues and
    compile the e-mail templates in the worker's main process, before its pool forks: else each
    child does it during its first task (a flux's first chunk: half a second more)."""
    try:
        _warm_up_before_the_fork()
    except Exception:  # a worker that could not warm up still works, only its first task slower
        logging.getLogger(__name__).exception("worker warm-up failed")


def _warm_up_before_the_fork() -> None:
    from pathlib import Path

    from django.conf import settings
    from django.template.loader import get_template
    from django.template.utils import get_app_template_dirs
    from django.urls import reverse
    from django.utils import translation

    reverse("invoices:sent")
    for code, _name in settings.LANGUAGES:
        translation.activate(code)  # loads the language's catalogues
    translation.deactivate()
    for folder in get_app_template_dirs("templates"):
        for template in sorted(Path(folder).glob("*/emails/*.*")):
            get_template(template.relative_to(folder).as_posix())
