"""What the lists export, shared by the supplier's and the agent's sides: the CSV of a list of
invoices, and the ZIP of several invoices' files."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from invoices.models import Invoice


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
