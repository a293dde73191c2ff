"""What the services send once their transaction commits: a task (``after_commit``), the
routing's "there is work" (``wake_routing``), or both in one message (``after_commit_waking``).
A broker that does not answer never turns a done write into an error. Private to the services
package."""

from __future__ import annotations

import logging
from collections.abc import Callable
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
    "there is work", never which invoice, so that losing or doubling one changes nothing.
    Coalesced (``_in_turn``): only the write whose turn it is sends it."""
    delay = settings.INVOICE_ROUTING_DELAY if countdown is None else countdown

    def send(route: bool) -> None:
        from invoices import tasks

        if not route:
            return
        if delay:
            tasks.route_batch.apply_async(countdown=delay)
        else:
            tasks.route_batch.apply_async()

    transaction.on_commit(lambda: _in_turn(send, "the routing's wake"))


def routing_wake_is_shared() -> bool:
    return "locmem" not in settings.CACHES["default"]["BACKEND"].lower()


def after_commit_waking(task: Task[..., object], *args: object) -> None:
    """``after_commit(task, *args)`` and ``wake_routing()`` in one message, for writes that have
    both to ask (a batch of deposits: ``tasks.after_deposits``): once committed, ``task`` is
    sent with one more argument, True when it is this write's turn to wake the routing
    (``_in_turn``); the task then routes a batch first. One message instead of two, none of
    them for the wake alone.

    With INVOICE_ROUTING_DELAY (a developer's pace) the wake keeps its own message, sent with
    the delay as ``wake_routing`` sends it, and ``task`` gets False."""
    if settings.INVOICE_ROUTING_DELAY:
        after_commit(task, *args, False)
        wake_routing()
        return

    def send(route: bool) -> None:
        task.apply_async((*args, route))

    transaction.on_commit(lambda: _in_turn(send, f"{task.name}{args}"))


def _in_turn(send: Callable[[bool], None], what: str) -> None:
    """``send(route)``, ``route`` True when it is this write's turn to wake the routing.

    Coalesced where the cache is shared by every process (Redis): the first write sets the wake's
    key and wakes, the others find the key and do not; the batch deletes the key before it
    claims (``tasks.route_batch``), so a write committed after that wakes it again. The key
    expires (INVOICE_ROUTING_WAKE_TTL) in case its message is lost, and the sweep backs it all
    up. With a cache of one process (``locmem``, zero configuration), or one that does not
    answer, every write wakes: better twice than never. A broker that does not answer: logged,
    the key given back; the sweeps recover the routing and the renderings, the outbox the
    e-mails."""
    taken = False
    route = True
    if routing_wake_is_shared():
        try:
            route = taken = bool(
                cache.add(ROUTING_WAKE_KEY, 1, timeout=settings.INVOICE_ROUTING_WAKE_TTL)
            )
        except Exception:
            logger.warning("could not read the routing wake key", exc_info=True)
    try:
        send(route)
    except Exception:
        logger.exception("could not enqueue %s (the sweeps will)", what)
        if taken:
            with suppress(Exception):
                cache.delete(ROUTING_WAKE_KEY)
