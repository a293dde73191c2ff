"""Every write on flux: receiving one, integrating it chunk by chunk, resuming a lost one.

- ``flux_receive`` (the request): stores the file as received (byte for byte, SHA-256, size)
  and enqueues its integration once committed. The same file deposited again for the same
  structure is the first flux (a unique digest per structure), never a second integration.
- ``flux_integrate`` (the worker): opens the file, refuses the whole flux when its container is
  not acceptable, else records one item per invoice, then judges and deposits them one chunk at
  a time. Each chunk is one transaction that locks the flux row, re-reads its pending items,
  and marks each one done with its invoice or its errors: a worker killed mid-flux loses its
  chunk's work whole, and the next run (the message redelivered, or the sweep) takes the flux
  up where the last commit left it — each invoice integrated exactly once. The items are
  recorded in the first chunk's transaction, and the flux finished in its last one's: a flux
  of one chunk is one transaction.
- ``flux_sweep``: the flux whose worker went silent, to enqueue again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import File
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flux import notifications
from flux.container import Container, FluxRefused, kind_of
from flux.judging import Prepared, Verdict, deposit_chunk, error, judge
from flux.models import Flux, FluxItem
from invoices import services as invoice_services
from structures.selectors import deposit_refusal_reason

if TYPE_CHECKING:
    from accounts.models import User
    from structures.models import Structure

logger = logging.getLogger(__name__)


class FluxError(Exception):
    """A flux refused at the door (nothing stored); ``field`` names what to fix."""

    def __init__(self, message: str, *, field: str = "file", http_status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.http_status = http_status


@dataclass(frozen=True)
class Received:
    flux: Flux
    created: bool  # False: the same file was already deposited, this is the first flux


def _digest(content: Any) -> tuple[str, int, bytes]:
    """SHA-256, size and first bytes of an uploaded file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    content.seek(0)
    for chunk in content.chunks():
        if len(head) < 64:
            head += chunk[:64]
        digest.update(chunk)
        size += len(chunk)
    content.seek(0)
    return digest.hexdigest(), size, head


def _check_size(size: int) -> None:
    if size == 0:
        raise FluxError(_("Le flux est vide."))
    if size > settings.FLUX_MAX_BYTES:
        raise FluxError(
            _("Le flux dépasse la taille maximale de %(size)s Mo.")
            % {"size": settings.FLUX_MAX_BYTES // 2**20},
            http_status=413,
        )


def flux_receive(*, user: User, supplier: Structure, content: Any, name: str) -> Received:
    """Store a flux and enqueue its integration; ``content`` is a Django ``File``."""
    refusal = deposit_refusal_reason(user, supplier)
    if refusal or supplier.is_public:
        raise FluxError(refusal or _("Une structure publique ne dépose pas de facture."),
                        field="supplier_siret")  # fmt: skip
    sha256, size, head = _digest(content)
    _check_size(size)
    kind = kind_of(head)
    if kind is None:
        raise FluxError(
            _("Un flux est une archive ZIP, un fichier XML ou un tableau JSON de factures."),
            http_status=415,
        )
    existing = Flux.objects.filter(supplier=supplier, sha256=sha256).first()
    if existing is not None:
        return Received(existing, created=False)
    flux = Flux(supplier=supplier, depositor=user, kind=kind, original_name=name[:255],
                size=size, sha256=sha256)  # fmt: skip
    flux.file.save(name or "flux", File(content), save=False)
    try:
        with transaction.atomic():
            flux.save(force_insert=True)
            transaction.on_commit(lambda: enqueue_integration(flux.pk))
    except IntegrityError:
        # The same file, deposited at the same moment by another request: the first one wins.
        flux.file.delete(save=False)
        return Received(Flux.objects.get(supplier=supplier, sha256=sha256), created=False)
    except BaseException:
        flux.file.delete(save=False)
        raise
    return Received(flux, created=True)


def enqueue_integration(flux_id: int) -> None:
    """Ask a worker to integrate the flux; a broker down is logged (the sweep recovers)."""
    from flux import tasks

    try:
        tasks.integrate_flux.apply_async((flux_id,), queue=settings.FLUX_QUEUE)
    except Exception:
        logger.exception("could not enqueue the integration of flux %s", flux_id)


# --- integration -------------------------------------------------------------------------------
def _locked(flux_id: int) -> Flux | None:
    return (
        Flux.objects.select_for_update(of=("self",))
        .select_related("supplier", "depositor")
        .filter(pk=flux_id)
        .first()
    )


def _open_items(flux: Flux, container: Container) -> list[FluxItem]:
    """The flux's first step: refused whole, or one pending item per invoice (returned)."""
    now = timezone.now()
    try:
        entries = container.entries()
    except FluxRefused as exc:
        flux.status = Flux.Status.REFUSE
        flux.refusal = exc.message
        flux.started_at = flux.finished_at = flux.touched_at = now
        flux.save(update_fields=["status", "refusal", "started_at", "finished_at", "touched_at"])
        notifications.queue_flux_done(flux)
        return []
    items = FluxItem.objects.bulk_create(
        [FluxItem(flux=flux, position=e.position, name=e.name[:255]) for e in entries]
    )
    # Saved with the first chunk's counts (``OPENED``), in the same transaction.
    flux.status = Flux.Status.EN_COURS
    flux.item_count = len(entries)
    flux.started_at = flux.touched_at = now
    return items


# What opening a flux changes on its row, saved with the first chunk's counts.
OPENED = ["status", "item_count", "started_at"]


def _integrate_chunk(flux: Flux, container: Container, opened: list[FluxItem] | None) -> bool:
    """Judge the next pending items of a locked flux (``opened``: the items just created, in
    order); False once none is left, the flux then finished in the transaction of its last
    chunk."""
    size = settings.FLUX_CHUNK_SIZE
    if opened is not None:
        pending = opened[:size]
    else:
        left = FluxItem.objects.filter(flux=flux, result=FluxItem.Result.PENDING)
        pending = list(left.order_by("position")[:size])
    opening = OPENED if opened is not None else []
    if not pending:
        _finish(flux, opening)
        return False
    prepared = [_prepared(flux, container, item.position) for item in pending]
    verdicts = _deposited(flux, prepared)
    now = timezone.now()
    for item, verdict in zip(pending, verdicts, strict=True):
        item.number = verdict.number[:255]
        item.invoice = verdict.invoice
        item.errors = verdict.errors
        item.result = FluxItem.Result.INTEGRATED if verdict.invoice else FluxItem.Result.REJECTED
        item.done_at = now
    _save_items(pending, now)
    # The counts move with the items, in the same transaction: the row's counts are those of
    # the chunks committed before this one.
    integrated = sum(1 for item in pending if item.result == FluxItem.Result.INTEGRATED)
    flux.integrated_count += integrated
    flux.rejected_count += len(pending) - integrated
    if len(pending) < size:  # fewer than a chunk were pending: none is left
        _finish(flux, opening)
        return False
    flux.touched_at = timezone.now()
    flux.save(update_fields=[*opening, "integrated_count", "rejected_count", "touched_at"])
    return True


def _save_items(items: list[FluxItem], now: datetime) -> None:
    """The chunk's verdicts in one UPDATE. On PostgreSQL, from arrays of the new values
    (Django's ``bulk_update`` builds a CASE per field and row: a tenth of the chunk's time)."""
    if connection.vendor != "postgresql":
        FluxItem.objects.bulk_update(items, ["number", "invoice", "errors", "result", "done_at"])
        return
    table = FluxItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} AS item
                SET number = new.number, invoice_id = new.invoice_id,
                    errors = new.errors::jsonb, result = new.result, done_at = %s
                FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::text[], %s::text[])
                    AS new(id, number, invoice_id, errors, result)
                WHERE item.id = new.id""",  # noqa: S608 (the table's name is the model's)
            [
                now,
                [item.pk for item in items],
                [item.number for item in items],
                [item.invoice.pk if item.invoice else None for item in items],
                [json.dumps(item.errors) for item in items],
                [item.result for item in items],
            ],
        )


def _prepared(flux: Flux, container: Container, position: int) -> Prepared:
    """One entry read and judged on its own. A bug met on one invoice rejects that invoice
    (logged) rather than fail its chunk at every retry; the database failing is no verdict: the
    chunk is retried."""
    try:
        return judge(user=flux.depositor, flux=flux, container=container, position=position)
    except DatabaseError:
        raise
    except Exception:
        logger.exception("flux %s: invoice at position %s could not be judged", flux.pk, position)
        return Prepared(verdict=_internal_error())


def _deposited(flux: Flux, prepared: list[Prepared]) -> list[Verdict]:
    """The chunk deposited in one batch; a bug met in the batch has it redone one invoice at a
    time, so that the invoice that meets it is rejected alone (logged)."""
    try:
        with transaction.atomic():
            return deposit_chunk(flux=flux, prepared=prepared)
    except DatabaseError:
        raise
    except Exception:
        logger.exception("flux %s: a chunk could not be deposited whole, one at a time", flux.pk)
    verdicts = []
    for one in prepared:
        try:
            with transaction.atomic():
                verdicts += deposit_chunk(flux=flux, prepared=[one])
        except DatabaseError:
            raise
        except Exception:
            logger.exception("flux %s: invoice %r could not be deposited", flux.pk, one.number)
            verdicts.append(_internal_error())
    return verdicts


def _internal_error() -> Verdict:
    message = _("Erreur interne : cette facture n'a pas pu être jugée. Déposez-la à nouveau.")
    return Verdict(errors=[error("CHORUS", "", message)])


def _finish(flux: Flux, opening: list[str]) -> None:
    """The flux's end, with the counts its chunks kept (and, in its first chunk, its opening:
    ``opening``, the fields of the row to save with it)."""
    if flux.integrated_count == 0:
        flux.status = Flux.Status.REFUSE
        flux.refusal = _("Aucune facture du flux n'a pu être intégrée.")
    elif flux.rejected_count:
        flux.status = Flux.Status.PARTIEL
    else:
        flux.status = Flux.Status.INTEGRE
    flux.finished_at = flux.touched_at = timezone.now()
    flux.save(update_fields=[*opening, "status", "refusal", "integrated_count",
                             "rejected_count", "finished_at", "touched_at"])  # fmt: skip
    notifications.queue_flux_done(flux)
    if flux.integrated_count:
        # Once committed, the routing takes the flux's invoices, whole: its chunks did not wake
        # it (``judging.deposit_chunk``), so one batch (up to INVOICE_ROUTING_BATCH_SIZE, as
        # many as a flux may carry) routes them and tells each reader once per event.
        invoice_services.wake_routing()


def _step(flux_id: int, container: Container | None) -> tuple[bool, Container | None]:
    with transaction.atomic():
        flux = _locked(flux_id)
        if flux is None or flux.is_done:
            return False, container
        if container is None:
            container = _enter(flux)
        opened = None
        if flux.status == Flux.Status.RECU:
            # The items opened and the first chunk judged in one transaction.
            opened = _open_items(flux, container)
            if flux.is_done:
                return False, container
        return _integrate_chunk(flux, container, opened), container


def _enter(flux: Flux) -> Container:
    handle = flux.file.open("rb")
    return Container(flux, handle)


def flux_integrate(*, flux_id: int) -> Flux | None:
    """Integrate a flux to its end (or what is left of it); safe to run twice, or at once."""
    container: Container | None = None
    try:
        more = True
        while more:
            more, container = _step(flux_id, container)
    finally:
        if container is not None:
            container.handle.close()
    return Flux.objects.filter(pk=flux_id).first()


@transaction.atomic
def flux_sweep(*, stuck_after: timedelta) -> list[int]:
    """The flux left in a transient status by a lost message or a dead worker; each one is
    marked touched, so that it is enqueued again at most once per ``stuck_after``."""
    limit = timezone.now() - stuck_after
    stuck = list(
        Flux.objects.select_for_update(skip_locked=True)
        .filter(status__in=Flux.TRANSIENT, touched_at__lt=limit)
        .values_list("pk", flat=True)[:1000]
    )
    Flux.objects.filter(pk__in=stuck).update(touched_at=timezone.now())
    return stuck
