"""The documents the portal issues for an invoice.

At the deposit, in its transaction: for a typed invoice, its CII XML (EN 16931), then the
certificate of what was deposited. For a typed invoice *the CII is what is deposited*: the
invoice's data in their standard, byte-stable form (about a millisecond to build). The
certificate's digest covers it, with the supplier's files.

Right after the commit, a task renders the Factur-X PDF: the readable PDF/A-3b (WeasyPrint,
hundreds of milliseconds: too slow for a deposit that must stay fast under API load) with
that very CII embedded byte for byte, so that the certificate vouches for the PDF's data too.
The task is idempotent, and a sweep re-enqueues a rendering whose message was lost.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from django.db import transaction

from invoices import pdf
from invoices.formats.data import InvoiceDataError
from invoices.formats.facturx import build_cii, build_facturx_pdf, build_ubl
from invoices.formats.mapping import data_from_certified_cii, invoice_to_data
from invoices.models import Attachment, Invoice, StatusChange
from invoices.services.common import (
    InvoiceError,
    StoredFiles,
    after_commit,
    attach,
    files_removed_on_failure,
    locked,
    safe_file_part,
)

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

XML_CONTENT_TYPE = "application/xml"


def deposit_manifest(
    invoice: Invoice, *, before_id: int | None = None
) -> tuple[str, list[pdf.CertifiedFile]]:
    """The files that make the deposit, main document first, and the digest of their list.

    The main document is the supplier's file (a PDF or structured file) or, for a typed
    invoice, its newest CII; renderings (the Factur-X PDF) are not part of a deposit.
    ``before_id``: as it was when the attachment of that id (a certificate) was added.
    """
    deposited = invoice.attachments.filter(
        kind__in=[Attachment.Kind.MAIN, Attachment.Kind.GENERATED_XML, Attachment.Kind.ADDITIONAL]
    )
    if before_id is not None:
        deposited = deposited.filter(id__lt=before_id)
    documents = list(deposited.order_by("uploaded_at", "id"))
    main = [a for a in documents if a.kind != Attachment.Kind.ADDITIONAL]
    extra = [a for a in documents if a.kind == Attachment.Kind.ADDITIONAL]
    chosen = [main[-1], *extra] if main else extra
    listed = [
        pdf.CertifiedFile(a.original_name, str(a.get_kind_display()), a.size, a.sha256)
        for a in chosen
    ]
    manifest = "".join(f"{f.sha256}  {f.name}\n" for f in listed)
    return hashlib.sha256(manifest.encode()).hexdigest(), listed


def certified_cii(invoice: Invoice) -> bytes:
    """The CII of a typed invoice about to be deposited; a refusal names no field."""
    try:
        return build_cii(invoice_to_data(invoice))
    except InvoiceDataError as exc:
        raise InvoiceError(str(exc)) from None


def issue_documents(
    invoice: Invoice, *, user: User, change: StatusChange, stored: StoredFiles
) -> None:
    """A typed invoice's CII (its Factur-X PDF follows), then the certificate of the deposit."""
    part = safe_file_part(invoice.number)
    if invoice.is_typed:
        xml = attach(
            invoice,
            kind=Attachment.Kind.GENERATED_XML,
            name=f"facture-{part}.xml",
            content=certified_cii(invoice),
            content_type=XML_CONTENT_TYPE,
            user=user,
            change=change,
            stored=stored,
        )
        after_commit("render_facturx", xml.pk)
    digest, listed = deposit_manifest(invoice)
    invoice.deposit_sha256 = digest
    certificate = pdf.render_certificate_pdf(
        invoice, deposited_at=change.at, digest=digest, files=listed
    )
    attach(
        invoice,
        kind=Attachment.Kind.CERTIFICATE,
        name=f"accuse-depot-{part}.pdf",
        content=certificate,
        user=user,
        change=change,
        stored=stored,
    )
    invoice.save(update_fields=["deposit_sha256"])


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
        return handle.read()


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
    rendering = build_facturx_pdf(data_from_certified_cii(content), cii_xml=content)
    return _attach_rendering(xml, rendering)
