"""The documents the portal issues for an invoice.

At the deposit, in its transaction: for a typed invoice, its CII XML (EN 16931), then the
digest of what was deposited (``deposit_sha256``: the list of the deposited files and their
SHA-256). For a typed invoice *the CII is what is deposited*: the invoice's data in their
standard, byte-stable form (about a millisecond to build). The digest covers it, with the
supplier's files; it does not depend on any PDF.

Right after the commit, tasks render the deposit certificate (the PDF that states the digest
and the files; a download renders it on demand if the worker has not yet) and the Factur-X
PDF: the readable PDF/A-3b (WeasyPrint, hundreds of milliseconds: too slow for a deposit that
must stay fast under API load) with that very CII embedded byte for byte, so that the
certificate vouches for the PDF's data too.
The task is idempotent, and a sweep re-enqueues a rendering whose message was lost.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from einvoice.data import InvoiceDataError
from einvoice.facturx import build_cii, build_ubl
from invoices import pdf, selectors
from invoices.einvoice_mapping import data_from_certified_cii, invoice_to_data
from invoices.invoice_pdf import render_facturx_pdf
from invoices.models import Attachment, Invoice, InvoiceLine, StatusChange
from invoices.services._files import (
    StoredFiles,
    attach,
    files_removed_on_failure,
    safe_file_part,
)
from invoices.services.common import (
    InvoiceError,
    claim_skip_locked,
    locked,
)
from invoices.workflow import Status

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

XML_CONTENT_TYPE = "application/xml"


# The kinds of file a deposit is made of, in the order they were uploaded.
DEPOSIT_KINDS = (Attachment.Kind.MAIN, Attachment.Kind.GENERATED_XML, Attachment.Kind.ADDITIONAL)
DEPOSIT_ORDER = ("uploaded_at", "id")


def deposit_manifest(invoice: Invoice, *, change_id: int) -> tuple[str, list[pdf.CertifiedFile]]:
    """The files that make the deposit recorded by the status change ``change_id``, main
    document first, and the digest of their list.

    The main document is the supplier's file (a PDF or structured file) or, for a typed
    invoice, its newest CII; renderings (the Factur-X PDF) are not part of a deposit. Files
    attached by a later deposit (a recycled invoice) are not part of this one.
    """
    documents = invoice.attachments.filter(
        kind__in=DEPOSIT_KINDS, status_change_id__lte=change_id
    ).order_by(*DEPOSIT_ORDER)
    return manifest_of(documents)


def manifest_of(documents: Iterable[Attachment]) -> tuple[str, list[pdf.CertifiedFile]]:
    """``deposit_manifest`` of a deposit's files already read (of ``DEPOSIT_KINDS``, in
    ``DEPOSIT_ORDER``): the main document (the last one) first, then the others."""
    documents = list(documents)
    main = [a for a in documents if a.kind != Attachment.Kind.ADDITIONAL]
    extra = [a for a in documents if a.kind == Attachment.Kind.ADDITIONAL]
    chosen = [main[-1], *extra] if main else extra
    listed = [certified_file(a) for a in chosen]
    return files_digest(listed), listed


def certified_file(attachment: Attachment) -> pdf.CertifiedFile:
    return pdf.CertifiedFile(
        attachment.original_name,
        kind_label(attachment.kind),
        attachment.size,
        attachment.sha256,
    )


def kind_label(kind: str) -> str:
    """``Attachment.get_kind_display()``, without the dictionary of every choice that it
    builds at each call (a deposit of a flux's chunk lists one file per invoice)."""
    return str(Attachment.Kind(kind).label) if kind in Attachment.Kind.values else kind


def files_digest(listed: Sequence[pdf.CertifiedFile]) -> str:
    """The deposit's digest: the SHA-256 of the list of its files (each one's SHA-256, name)."""
    manifest = "".join(f"{f.sha256}  {f.name}\n" for f in listed)
    return hashlib.sha256(manifest.encode()).hexdigest()


def certified_cii(invoice: Invoice, lines: Sequence[InvoiceLine] | None = None) -> bytes:
    """The CII of a typed invoice about to be deposited; a refusal names no field. ``lines``:
    those of an invoice not saved yet (a batch's), instead of the stored ones."""
    try:
        return build_cii(invoice_to_data(invoice, lines))
    except InvoiceDataError as exc:
        raise InvoiceError(str(exc)) from None


def issue_documents(
    invoice: Invoice, *, user: User, change: StatusChange, stored: StoredFiles
) -> None:
    """A typed invoice's CII, then the deposit's digest. Its renderings (the certificate, a
    typed invoice's Factur-X PDF) are asked for by the routing batch that claims the deposit
    (``tasks.after_routing``): the caller wakes the routing."""
    if invoice.is_typed:
        attach(
            invoice,
            kind=Attachment.Kind.GENERATED_XML,
            name=f"facture-{safe_file_part(invoice.number)}.xml",
            content=certified_cii(invoice),
            content_type=XML_CONTENT_TYPE,
            user=user,
            change=change,
            stored=stored,
        )
    invoice.deposit_sha256, _listed = deposit_manifest(invoice, change_id=change.pk)
    invoice.save(update_fields=["deposit_sha256"])


# --- the deposit certificate ---------------------------------------------------------------------
def _certificate_for(change: StatusChange) -> Attachment | None:
    return (
        Attachment.objects.filter(
            invoice_id=change.invoice_id, kind=Attachment.Kind.CERTIFICATE, status_change=change
        )
        .order_by("id")
        .first()
    )


def invoice_render_certificate(*, status_change_id: int) -> Attachment | None:
    """The certificate of the deposit recorded by a status change: the existing one, or one
    rendered now (outside any transaction: WeasyPrint takes tens of milliseconds) and attached
    under the invoice's lock, so that two renderers keep one file. None for no such deposit."""
    change = (
        StatusChange.objects.select_related("invoice__supplier", "invoice__recipient")
        .filter(pk=status_change_id, to_status=Status.DEPOSEE)
        .first()
    )
    if change is None:
        return None
    existing = _certificate_for(change)
    if existing is not None:
        return existing
    invoice = change.invoice
    digest, listed = deposit_manifest(invoice, change_id=change.pk)
    content = pdf.render_certificate_pdf(
        invoice, deposited_at=change.at, digest=digest, files=listed
    )
    with transaction.atomic():
        locked(invoice)
        existing = _certificate_for(change)
        if existing is not None:
            return existing
        with files_removed_on_failure() as stored:
            return attach(
                invoice,
                kind=Attachment.Kind.CERTIFICATE,
                name=f"accuse-depot-{safe_file_part(invoice.number)}.pdf",
                content=content,
                user=None,
                change=change,
                stored=stored,
            )


def invoice_certificate(invoice: Invoice) -> Attachment | None:
    """The certificate of the invoice's latest deposit, rendered now if the worker has not yet
    (downloads and the invoice's page); None for an invoice never deposited."""
    deposit = (
        StatusChange.objects.filter(invoice=invoice, to_status=Status.DEPOSEE)
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    return None if deposit is None else invoice_render_certificate(status_change_id=deposit)


# --- renderings ----------------------------------------------------------------------------------
def _rendering_of(xml: Attachment) -> Attachment | None:
    return (
        Attachment.objects.filter(
            invoice_id=xml.invoice_id,
            kind=Attachment.Kind.GENERATED_PDF,
            status_change_id=xml.status_change_id,
        )
        .order_by("id")
        .first()
    )


def read_certified_cii(xml: Attachment) -> bytes:
    with xml.file.open("rb") as handle:
        content: bytes = handle.read()
    return content


def ubl_of(xml: Attachment) -> bytes:
    """The UBL 2.1 Invoice (or CreditNote) of a certified CII, made on request."""
    return build_ubl(data_from_certified_cii(read_certified_cii(xml)))


@transaction.atomic
def _attach_rendering(xml: Attachment, content: bytes) -> Attachment | None:
    # The invoice row lock orders two workers that rendered the same XML: one file is kept.
    invoice = locked(xml.invoice)
    if _rendering_of(xml) is not None:
        return None
    with files_removed_on_failure() as stored:
        return attach(
            invoice,
            kind=Attachment.Kind.GENERATED_PDF,
            name=xml.original_name.removesuffix(".xml") + ".pdf",
            content=content,
            user=None,
            change=xml.status_change,
            stored=stored,
        )


def invoice_render_facturx(*, certified_xml_id: int) -> Attachment | None:
    """The Factur-X PDF of a certified CII; None when there is nothing (more) to do.

    Idempotent: a second run finds the PDF and stops. The slow rendering happens outside any
    transaction; only attaching the result takes the invoice's lock.
    """
    xml = (
        Attachment.objects.select_related("invoice", "status_change")
        .filter(pk=certified_xml_id, kind=Attachment.Kind.GENERATED_XML)
        .first()
    )
    if xml is None or _rendering_of(xml) is not None:
        return None
    content = read_certified_cii(xml)
    rendering = render_facturx_pdf(data_from_certified_cii(content), cii_xml=content)
    return _attach_rendering(xml, rendering)


# --- the sweep -----------------------------------------------------------------------------------
@dataclass
class MissingRenderings:
    facturx: list[int]  # certified CII ids
    certificates: list[int]  # deposits' status change ids


def deposits_renderings(*, invoice_ids: Collection[int]) -> MissingRenderings:
    """The renderings these deposited invoices still lack (a routing batch's deposits: see
    ``tasks.after_routing``), for the caller to enqueue: two queries."""
    return MissingRenderings(
        facturx=[pk for pk, _i in selectors.renderings_missing(invoice_ids=invoice_ids)],
        certificates=[pk for pk, _i in selectors.certificates_missing(invoice_ids=invoice_ids)],
    )


@transaction.atomic
def renderings_sweep(*, missing_after: timedelta) -> MissingRenderings:
    """The renderings whose message seems lost, for the caller to enqueue again — each invoice
    at most once per ``missing_after`` (its ``renderings_swept_at``), so that a backlog of
    missing PDFs is enqueued once, not at every beat tick. Invoices another sweep is marking
    are skipped, not waited for."""
    facturx = list(selectors.renderings_missing(older_than=missing_after))
    certificates = list(selectors.certificates_missing(older_than=missing_after))
    invoice_ids = {invoice_id for _pk, invoice_id in facturx + certificates}
    claimed = set(
        claim_skip_locked(Invoice.objects.filter(pk__in=invoice_ids)).values_list("id", flat=True)
    )
    Invoice.objects.filter(pk__in=claimed).update(renderings_swept_at=timezone.now())
    return MissingRenderings(
        facturx=[pk for pk, invoice_id in facturx if invoice_id in claimed],
        certificates=[pk for pk, invoice_id in certificates if invoice_id in claimed],
    )
