"""What a deposit would say of an input, without writing anything.

The entry page asks for it when some fields are badly typed: the form cannot be saved, yet
the supplier must learn at once of every other problem (an unknown recipient, a bad BIC, a
number already used), not one round of corrections after another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from invoices import checks
from invoices.models import DepositMode, Invoice, InvoiceLine
from invoices.services.common import InvoiceInput, LineInput
from invoices.services.deposit import apply_amounts, apply_header
from invoices.totals import line_net
from structures.models import Structure

if TYPE_CHECKING:
    from accounts.models import User


def invoice_deposit_errors(
    *, user: User, supplier: Structure, data: InvoiceInput, lines: Sequence[LineInput]
) -> checks.Errors:
    """The deposit's checks on an invoice built in memory from ``data`` and ``lines``."""
    invoice = Invoice(supplier=supplier, created_by=user, deposit_mode=DepositMode.SAISIE_WEB)
    apply_header(invoice, data)
    apply_amounts(invoice, data, lines)
    built = [
        InvoiceLine(
            invoice=invoice,
            position=index + 1,
            reference=line.reference,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            discount=line.discount,
            vat_rate=line.vat_rate,
            net_amount=line_net(line.quantity, line.unit_price, line.discount),
        )
        for index, line in enumerate(lines)
    ]
    return checks.deposit_errors(invoice, user=user, lines=built)
