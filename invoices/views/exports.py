"""What the lists export, shared by the supplier's and the agent's sides: the CSV of a list of
invoices, and the ZIP of several invoices' files."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator, Sequence

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from invoices.files import extension_of
from invoices.models import Attachment, Invoice


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_COLUMNS = [
    (gettext_lazy("Numéro"), lambda i: i.number),
    (gettext_lazy("Type"), lambda i: i.invoice_type),
    (gettext_lazy("Date de facture"), lambda i: i.issue_date.isoformat() if i.issue_date else ""),
    (gettext_lazy("Fournisseur"), lambda i: i.supplier.name),
    (gettext_lazy("SIRET fournisseur"), lambda i: i.supplier.identifier),
    (gettext_lazy("Destinataire"), lambda i: i.recipient.name if i.recipient else ""),
    (gettext_lazy("SIRET destinataire"), lambda i: i.recipient_siret),
    (gettext_lazy("Code service"), lambda i: i.service_code),
    (gettext_lazy("Numéro d'engagement"), lambda i: i.engagement_number),
    (gettext_lazy("Total HT"), lambda i: str(i.total_excl_tax)),
    (gettext_lazy("Total TVA"), lambda i: str(i.total_vat)),
    (gettext_lazy("Total TTC"), lambda i: str(i.total_incl_tax)),
    (gettext_lazy("Net à payer"), lambda i: str(i.amount_due)),
    (gettext_lazy("Devise"), lambda i: i.currency),
    (gettext_lazy("Statut"), lambda i: i.status),
    (gettext_lazy("Code réforme"), lambda i: str(i.reform_code or "")),
    (gettext_lazy("Mode de dépôt"), lambda i: i.deposit_mode),
    (
        gettext_lazy("Déposée le"),
        lambda i: timezone.localtime(i.deposited_at).isoformat() if i.deposited_at else "",
    ),
]


def _cell(value: str) -> str:
    # A cell starting like a formula would be run by a spreadsheet (CSV injection).
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_rows(invoices: QuerySet[Invoice]) -> Iterator[list[str]]:
    yield [str(title) for title, _value in CSV_COLUMNS]
    for invoice in invoices.iterator(chunk_size=500):
        yield [_cell(value(invoice)) for _title, value in CSV_COLUMNS]


def _with_bom(lines: Iterator[str]) -> Iterator[str]:
    yield "\ufeff"
    yield from lines


def invoices_csv(invoices: QuerySet[Invoice], filename: str) -> StreamingHttpResponse:
    """A list of invoices (already scoped and filtered) as CSV, streamed: ``;``, UTF-8 with a
    BOM so that spreadsheets read accents; status codes stay the stable Chorus Pro codes."""
    writer = csv.writer(_Echo(), delimiter=";")
    lines = (writer.writerow(row) for row in _csv_rows(invoices))
    response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the files of several invoices, as one ZIP ----------------------------------------------------
# Already compressed: stored as they are (deflating them again costs time and gains nothing).
STORED_EXTENSIONS = frozenset({"pdf", "zip", "gz", "jpg", "jpeg", "png", "tif", "tiff", "docx",
                               "xlsx", "odt", "ods"})  # fmt: skip
CHUNK = 64 * 1024


class _Pipe:
    """What ``zipfile`` writes, kept until the response takes it: an output without ``seek``,
    so that the archive is written as a stream (each entry's sizes after its data)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _clean(name: str) -> str:
    """A name that stays one file inside the archive: no folder, no drive, no control character;
    accents kept (ZIP names are UTF-8)."""
    kept = "".join("-" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in name)
    return kept.strip(" .") or "fichier"


def _entry_names(attachments: Sequence[Attachment]) -> Iterator[tuple[Attachment, str]]:
    """Each file under a folder per invoice (its number and id), never twice the same name."""
    used: set[str] = set()
    for attachment in attachments:
        folder = _clean(f"{attachment.invoice.number}-{attachment.invoice_id}")
        name = f"{folder}/{_clean(attachment.original_name)}"
        if name in used:
            name = f"{folder}/{attachment.pk}-{_clean(attachment.original_name)}"
        used.add(name)
        yield attachment, name


def _zip_chunks(attachments: Sequence[Attachment]) -> Iterator[bytes]:
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w") as archive:  # type: ignore[arg-type]
        for attachment, name in _entry_names(attachments):
            stored = extension_of(name) in STORED_EXTENSIONS
            moment = timezone.localtime(attachment.uploaded_at).timetuple()[:6]
            info = zipfile.ZipInfo(name, date_time=moment)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            with attachment.file.open("rb") as source, archive.open(info, "w") as entry:
                while chunk := source.read(CHUNK):
                    entry.write(chunk)
                    yield pipe.take()
            yield pipe.take()
    yield pipe.take()


def invoices_zip(attachments: Sequence[Attachment], filename: str) -> StreamingHttpResponse:
    """The files of several invoices (already scoped and bounded) as one ZIP, streamed."""
    response = StreamingHttpResponse(
        (chunk for chunk in _zip_chunks(attachments) if chunk), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
