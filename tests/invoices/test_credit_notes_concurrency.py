"""Two credit notes of one invoice deposited at once, on PostgreSQL with two connections: each
fits alone, not both; the second waits for the first (the credited invoice's row lock) and is
refused with what is left, so that the invoice is never credited beyond its total."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoices import services
from invoices.models import Invoice
from invoices.services import InvoiceError
from invoices.workflow import Status
from tests.invoices.factories import deposited, draft, line
from tests.invoices.test_concurrency import _race
from tests.utils.services import require_postgresql

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_two_credit_notes_at_once_never_credit_more_than_the_invoice(personas):
    require_postgresql()
    original = deposited(personas)  # 360 TTC
    notes = [
        draft(
            personas,
            invoice_type="AVOIR",
            original_invoice_number=original.number,
            lines=[line(quantity=Decimal("1"), unit_price=Decimal("200"))],  # 240 TTC each
        )
        for _ in range(2)
    ]

    results = _race(
        *(
            lambda note=note: services.invoice_deposit(
                user=personas.supplier_principal, invoice=note
            )
            for note in notes
        )
    )

    deposited_notes = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if isinstance(r, InvoiceError)]
    assert (len(deposited_notes), len(refused)) == (1, 1), results
    assert "120,00" in refused[0].errors["original_invoice_number"][0]
    live = original.credit_notes.exclude(status=Status.BROUILLON)
    assert [n.pk for n in live] == [deposited_notes[0].pk]
