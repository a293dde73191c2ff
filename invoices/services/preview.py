"""What a deposit would say of an input, without writing anything.

The entry and the PDF deposit pages ask for it when some fields are badly typed: the form
cannot be saved, yet the supplier must learn at once of every other problem (an unknown
recipient, a bad BIC, a number already used), not one round of corrections after another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from invoices import checks
from invoices.models import DepositMode, Invoice
from invoices.services.common import (
    InvoiceError,
    InvoiceInput,
    LineInput,
)
from invoices.services.deposit import apply_amounts, apply_header, build_lines
from structures.models import Structure

if TYPE_CHECKING:
    from accounts.models import User

# What only all the lines together can tell: without them, what the checks say is not the cause.
NEED_ALL_LINES = ("lines", "total_excl_tax", "total_vat", "total_incl_tax", "amount_due")


def invoice_deposit_errors(
    *,
    user: User,
    supplier: Structure,
    data: InvoiceInput,
    lines: Sequence[LineInput] = (),
    deposit_mode: str = DepositMode.SAISIE_WEB,
) -> checks.Errors:
    """The deposit's checks on an invoice built in memory from ``data`` and ``lines`` (none for
    a deposited PDF, ``deposit_mode=DepositMode.DEPOT_PDF_WEB``, whose totals are typed)."""
    invoice = Invoice(supplier=supplier, created_by=user, deposit_mode=deposit_mode)
    apply_header(invoice, data)
    apply_amounts(invoice, data, lines)
    try:
        built = build_lines(invoice, lines)
    except InvoiceError as refused:  # a line's text the model refuses: said on its cell
        header = checks.deposit_errors(invoice, user=user, lines=[])
        kept = {k: v for k, v in header.items() if k not in NEED_ALL_LINES}
        return {**kept, **refused.errors}
    return checks.deposit_errors(invoice, user=user, lines=built)
