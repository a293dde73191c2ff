"""Celery tasks of invoices: thin (load by id, call a service), idempotent, acknowledged late.

The database is the source of truth: a routing message says "there is work" and names no
invoice, a lost one is made up for by ``sweep_routing``, and one delivered twice finds nothing
left to claim.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError

from invoices import notifications, selectors, services
from invoices.bulk import services as bulk_services
from invoices.services.seals import seal_create
from invoices.workflow import Status

logger = logging.getLogger(__name__)

# How soon a batch that left invoices waiting (held by another transaction) looks again.
ROUTING_RETRY_SECONDS = 2.0


@shared_task(name="invoices.route_batch", acks_late=True)
def route_batch() -> int:
    """Route one batch of the invoices waiting for it (``services.invoices_route_batch``).

    A full batch asks at once for another one, which a second worker process takes while this one
    works (SKIP LOCKED keeps them apart): the work spreads over the workers without any message
    naming an invoice. Returns how many invoices this batch moved."""
    cache_delete_wake()
    through = not settings.INVOICE_ROUTING_DELAY
    batch = services.invoices_route_batch(through=through)
    if batch.full:
        route_batch.apply_async()
    elif through and services.invoices_left_waiting():
        # Some were held by another transaction as this batch claimed (it skips locked rows):
        # look again in a moment rather than leave them to the sweep, minutes later.
        route_batch.apply_async(countdown=ROUTING_RETRY_SECONDS)
    if batch.started_only:  # one step per message, spaced by the delay (under `make run`)
        route_batch.apply_async(countdown=settings.INVOICE_ROUTING_DELAY)
    return len(batch.reached)


def cache_delete_wake() -> None:
    """Deposits committed from now on send a new wake (services._enqueue.wake_routing)."""
    if services.routing_wake_is_shared():
        try:
            cache.delete(services.ROUTING_WAKE_KEY)
        except Exception:  # the cache is down: deposits cannot coalesce either
            logger.warning("could not clear the routing wake key")


@shared_task(name="invoices.route_invoice", acks_late=True)
def route_invoice(invoice_id: int, expected_status: str = Status.DEPOSEE) -> str | None:
    """Route one named invoice that is still in ``expected_status`` (the messages of before the
    batches, still understood): every step at once, or one step when INVOICE_ROUTING_DELAY
    spaces them."""
    if not settings.INVOICE_ROUTING_DELAY:
        return services.invoice_route_through(
            invoice_id=invoice_id, expected_status=expected_status
        )
    reached = services.invoice_route(invoice_id=invoice_id, expected_status=expected_status)
    if reached == Status.EN_COURS_ACHEMINEMENT:
        route_batch.apply_async(countdown=settings.INVOICE_ROUTING_DELAY)
    return reached


@shared_task(name="invoices.sweep_routing", acks_late=True)
def sweep_routing(stuck_after: float | None = None) -> int:
    """Wake a routing batch if invoices sit in a routing status for too long (their wake was
    lost: a broker down, a worker killed); returns how many are waiting so."""
    seconds = settings.INVOICE_ROUTING_STUCK_AFTER if stuck_after is None else stuck_after
    stuck = services.invoices_sweep_routing(stuck_after=timedelta(seconds=seconds))
    if stuck:
        cache_delete_wake()
        route_batch.apply_async()
        logger.warning("%d invoice(s) stuck in routing: a batch woken", len(stuck))
    return len(stuck)


@shared_task(name="invoices.sweep_validations", acks_late=True)
def sweep_validations() -> int:
    """Billing frames A9 / A12: the invoices whose validator did not answer in time are validated
    tacitly and routed on; returns how many."""
    return services.invoices_sweep_validations()


@shared_task(name="invoices.render_facturx", acks_late=True)
def render_facturx(certified_xml_id: int) -> int | None:
    """The Factur-X PDF of a deposited typed invoice (see ``services.documents``)."""
    rendering = services.invoice_render_facturx(certified_xml_id=certified_xml_id)
    return rendering.pk if rendering else None


@shared_task(name="invoices.render_certificate", acks_late=True)
def render_certificate(status_change_id: int) -> int | None:
    """The deposit certificate of a deposit just committed (see ``services.documents``)."""
    certificate = services.invoice_render_certificate(status_change_id=status_change_id)
    return certificate.pk if certificate else None


@shared_task(name="invoices.render_deposits", acks_late=True)
def render_deposits(certified_xml_ids: list[int], status_change_ids: list[int]) -> int:
    """The renderings of a batch of deposits (``after_routing`` enqueues them): one message,
    not two per invoice. Each rendering is idempotent, so a message delivered twice redoes
    nothing."""
    done = 0
    for xml_id in certified_xml_ids:
        done += services.invoice_render_facturx(certified_xml_id=xml_id) is not None
    for change_id in status_change_ids:
        done += services.invoice_render_certificate(status_change_id=change_id) is not None
    return done


# The renderings of a routing batch's deposits go in messages of this many invoices' worth, so
# that several worker processes share them (a rendering takes tens of milliseconds).
RENDERINGS_PER_MESSAGE = 50


@shared_task(name="invoices.after_routing", acks_late=True)
def after_routing(email_keys: list[str], deposited_ids: list[int]) -> int:
    """What a routing batch asks once committed, in one message: its e-mails (the deposits'
    notices among them: a deposit sends no message of its own, only the routing's coalesced
    wake, ``services.wake_routing``), then the renderings of the deposits it claimed
    (``deposited_ids``, invoices it found in DEPOSEE), enqueued in messages of
    ``RENDERINGS_PER_MESSAGE`` on ``RENDERING_QUEUE`` (give them workers of their own: a routing
    worker then never waits behind a PDF).

    Each step is idempotent and has its own recovery (the outbox's beat, the renderings sweep):
    one failing does not keep the other from running; the first failure is raised once both
    have run. Returns the e-mails sent and the rendering messages sent."""
    return _each_step(
        (lambda: notifications.send_emails(email_keys), "routing e-mails not sent"),
        (lambda: _enqueue_renderings(deposited_ids), "deposit renderings not enqueued"),
    )


def _each_step(*steps: tuple[Callable[[], int], str]) -> int:
    """Each step run in turn, whatever the others did (each one idempotent, with its own
    recovery: the sweeps, the outbox's beat): a failure is logged with its step's message, and
    the first one raised once all have run. Returns what the steps counted, added up."""
    failures: list[Exception] = []
    done = 0
    for step, failed in steps:
        try:
            done += step()
        except Exception as exc:
            logger.exception(failed)
            failures.append(exc)
    if failures:
        raise failures[0]
    return done


def _enqueue_renderings(invoice_ids: list[int]) -> int:
    """``render_deposits`` messages for the renderings these invoices still lack; how many."""
    if not invoice_ids:
        return 0
    missing = services.deposits_renderings(invoice_ids=invoice_ids)
    facturx, certificates = missing.facturx, missing.certificates
    size = RENDERINGS_PER_MESSAGE
    starts = range(0, max(len(facturx), len(certificates)), size)
    for start in starts:
        render_deposits.apply_async(
            (facturx[start : start + size], certificates[start : start + size]),
            queue=settings.RENDERING_QUEUE,
        )
    return len(starts)


@shared_task(name="invoices.after_deposits", acks_late=True)
def after_deposits(
    certified_xml_ids: list[int],
    status_change_ids: list[int],
    email_keys: list[str],
    route: bool = False,
) -> int:
    """The follow-ups of a batch of deposits as their message carried them before deposits sent
    none (``after_routing`` does it now): still understood, for the messages sent by a web node
    of the version before, which may be queued when the workers are updated. A routing batch
    first when ``route``, then the e-mails, then the renderings; the first failure is raised
    once all three have run."""

    def routed() -> int:
        if route:
            route_batch()
        return 0  # the routing's count is not one of the follow-ups'

    return _each_step(
        (routed, "routing batch failed after deposits"),
        (lambda: notifications.send_emails(email_keys), "deposit e-mails not sent"),
        (
            lambda: render_deposits(certified_xml_ids, status_change_ids),
            "deposit renderings failed",
        ),
    )


@shared_task(name="invoices.sweep_renderings", acks_late=True)
def sweep_renderings(missing_after: float | None = None) -> int:
    """Enqueue again the renderings that should exist by now (their message was lost): each
    invoice's at most once per period, however many beat ticks the backlog lasts."""
    seconds = settings.INVOICE_ROUTING_STUCK_AFTER if missing_after is None else missing_after
    missing = services.renderings_sweep(missing_after=timedelta(seconds=seconds))
    for xml_id in missing.facturx:
        render_facturx.apply_async((xml_id,), queue=settings.RENDERING_QUEUE)
    for change_id in missing.certificates:
        render_certificate.apply_async((change_id,), queue=settings.RENDERING_QUEUE)
    count = len(missing.facturx) + len(missing.certificates)
    if count:
        logger.warning("re-enqueued %d rendering(s)", count)
    return count


@shared_task(name="invoices.simulate_payments", acks_late=True)
def simulate_payments(delay: float | None = None) -> int:
    """The simulated payment system: puts accounted invoices in payment after a delay."""
    if not settings.INVOICE_PAYMENT_SIMULATION:
        return 0
    seconds = settings.INVOICE_PAYMENT_SIMULATION_DELAY if delay is None else delay
    due = selectors.due_for_payment(older_than=timedelta(seconds=seconds))
    paid = 0
    for invoice_id in due.values_list("id", flat=True).iterator():
        paid += services.invoice_pay_due(invoice_id=invoice_id)
    return paid


@shared_task(name="invoices.notify_status_change", acks_late=True)
def notify_status_change(status_change_id: int) -> int:
    return notifications.send_status_change(status_change_id)


@shared_task(name="invoices.notify_agents", acks_late=True)
def notify_agents(invoice_id: int, status_change_id: int | None = None) -> int:
    return notifications.send_to_agents(invoice_id, status_change_id)


@shared_task(name="invoices.notify_queued", acks_late=True)
def notify_queued(key_prefixes: list[str]) -> int:
    """The e-mails queued by several changes at once (the messages of before the batches)."""
    return notifications.send_queued(key_prefixes)


@shared_task(name="invoices.notify_emails", acks_late=True)
def notify_emails(keys: list[str]) -> int:
    """The e-mails queued by a routing batch: notices and digests, sent by one task."""
    return notifications.send_emails(keys)


@shared_task(name="invoices.seal_audit_trail", acks_late=True)
def seal_audit_trail() -> int | None:
    """Seal what the audit trail recorded since the last seal (see ``invoices/seals.py``)."""
    try:
        seal = seal_create()
    except OperationalError:  # a long transaction held the tables: the next tick seals it all
        logger.warning("audit trail not sealed this time: its tables stayed locked", exc_info=True)
        return None
    return seal.sequence if seal else None


@shared_task(name="invoices.run_bulk_decision", acks_late=True)
def run_bulk_decision(bulk_id: int) -> str | None:
    """Decide on what is left of an agent's bulk decision (safe to run twice, or at once)."""
    bulk = bulk_services.bulk_decision_run(bulk_id=bulk_id)
    return bulk.state if bulk else None


@shared_task(name="invoices.sweep_bulk_decisions", acks_late=True)
def sweep_bulk_decisions(stuck_after: float | None = None) -> int:
    """Enqueue again the bulk decisions that a lost message or a dead worker left half-way."""
    seconds = settings.BULK_DECISION_STUCK_AFTER if stuck_after is None else stuck_after
    stuck = bulk_services.bulk_decisions_sweep(stuck_after=timedelta(seconds=seconds))
    for bulk_id in stuck:
        run_bulk_decision.apply_async((bulk_id,))
    if stuck:
        logger.warning("re-enqueued %d bulk decision(s) left half-way", len(stuck))
    return len(stuck)


@shared_task(name="invoices.engagement_import_run", acks_late=True)
def engagement_import_run(import_id: int) -> str | None:
    """Load an EJ file uploaded on a register page (``services.engagement_import_run``)."""
    job = services.engagement_import_run(import_id=import_id)
    return job.status if job else None


@shared_task(name="invoices.sweep_engagement_imports", acks_late=True)
def sweep_engagement_imports(stuck_after: float | None = None) -> int:
    """Enqueue again the EJ files whose loading never started (their message was lost)."""
    seconds = settings.INVOICE_ROUTING_STUCK_AFTER if stuck_after is None else stuck_after
    stuck = services.engagement_imports_sweep(stuck_after=timedelta(seconds=seconds))
    for import_id in stuck:
        engagement_import_run.delay(import_id)
    if stuck:
        logger.warning("re-enqueued %d EJ file(s)", len(stuck))
    return len(stuck)
