"""What the services send once their transaction commits: a task (``after_commit``), or the
routing's "there is work" (``wake_routing``). A broker that does not answer never turns a done
write into an error. Private to the services package."""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

if TYPE_CHECKING:
    from celery import Task

logger = logging.getLogger(__name__)


def after_commit(task: Task[..., object], *args: object, countdown: float = 0) -> None:
    """Enqueue ``task`` (``tasks.render_certificate``…) once the transaction commits. A broker
    that does not answer must not turn a done write into an error page: the sweep recovers
    routing, and the log says so.

    The services import ``invoices.tasks`` inside the function that enqueues (the tasks call
    the services): a misspelt task fails there, in the transaction, and in mypy."""

    def send() -> None:
        try:
            if countdown:
                task.apply_async(args, countdown=countdown)
            else:  # no ETA at all, rather than one of now
                task.apply_async(args)
        except Exception:
            logger.exception("could not enqueue %s%s", task.name, args)

    transaction.on_commit(send)


ROUTING_WAKE_KEY = "invoices:routing:wake"


def wake_routing(*, countdown: float | None = None) -> None:
    """Once the transaction commits, make sure a routing batch will run: the message says
    "there is work", never which invoice, so that losing or doubling one changes nothing. Every
    deposit calls it, and it is all a deposit sends: the batch that routes the invoice also
    asks for its e-mails and renderings (``tasks.after_routing``).

    Coalesced where the cache is shared by every process (Redis): the first write sets the
    wake's key and sends the message, the others find the key and send nothing; the batch
    deletes the key before it claims (``tasks.route_batch``), so a write committed after that
    wakes it again. The key expires (INVOICE_ROUTING_WAKE_TTL) in case its message is lost, and
    the sweep backs it all up. With a cache of one process (``locmem``, zero configuration), or
    one that does not answer, every write wakes: better twice than never. A broker that does
    not answer: logged, the key given back; the sweeps recover the routing and the renderings,
    the outbox the e-mails."""
    delay = settings.INVOICE_ROUTING_DELAY if countdown is None else countdown
    transaction.on_commit(lambda: _wake(delay))


def _wake(delay: float) -> None:
    from invoices import tasks

    taken = False
    if routing_wake_is_shared():
        try:
            taken = bool(cache.add(ROUTING_WAKE_KEY, 1, timeout=settings.INVOICE_ROUTING_WAKE_TTL))
        except Exception:
            logger.warning("could not read the routing wake key", exc_info=True)
        else:
            if not taken:
                return  # another write's message is on its way
    try:
        if delay:
            tasks.route_batch.apply_async(countdown=delay)
        else:  # no ETA at all, rather than one of now
            tasks.route_batch.apply_async()
    except Exception:
        logger.exception("could not enqueue the routing's wake (the sweeps will)")
        if taken:
            with suppress(Exception):
                cache.delete(ROUTING_WAKE_KEY)


def routing_wake_is_shared() -> bool:
    return "locmem" not in settings.CACHES["default"]["BACKEND"].lower()
