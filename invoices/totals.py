"""Invoice amounts, computed as EN 16931 does: pure functions on ``Decimal``.

A line's net amount is quantity × unit price − discount, rounded to the cent. The VAT of a rate
is computed once, on the sum of the line nets of that rate, and rounded to the cent — not line
by line, which would let rounding differences pile up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypedDict

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The French VAT rates, in percent (standard, intermediate, reduced, special, zero).
VAT_RATES: tuple[Decimal, ...] = (
    Decimal("20"),
    Decimal("10"),
    Decimal("5.5"),
    Decimal("2.1"),
    Decimal("0"),
)


class Digits(TypedDict):
    """A decimal field's size, spread into a form's or a serializer's field (``**MONEY``)."""

    max_digits: int
    decimal_places: int


# An amount in euros: what the invoice columns hold.
MONEY: Digits = {"max_digits": 14, "decimal_places": 2}


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def is_french_vat_rate(rate: Decimal) -> bool:
    return any(rate == allowed for allowed in VAT_RATES)


@dataclass(frozen=True)
class LineAmounts:
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    vat_rate: Decimal


@dataclass(frozen=True)
class VatBreakdown:
    rate: Decimal
    base: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Totals:
    breakdown: tuple[VatBreakdown, ...]
    total_excl_tax: Decimal
    total_vat: Decimal
    total_incl_tax: Decimal
    amount_due: Decimal


def line_net(quantity: Decimal, unit_price: Decimal, discount: Decimal = ZERO) -> Decimal:
    return to_cents(quantity * unit_price - discount)


def vat_breakdown(lines: Iterable[LineAmounts]) -> tuple[VatBreakdown, ...]:
    """One entry per rate, highest rate first; the VAT rounded once per rate."""
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = line.vat_rate.normalize()
        net = line_net(line.quantity, line.unit_price, line.discount)
        bases[rate] = bases.get(rate, ZERO) + net
    return tuple(
        VatBreakdown(rate=rate, base=base, amount=to_cents(base * rate / 100))
        for rate, base in sorted(bases.items(), reverse=True)
    )


def compute_totals(lines: Iterable[LineAmounts], prepaid: Decimal = ZERO) -> Totals:
    breakdown = vat_breakdown(lines)
    total_excl_tax = sum((entry.base for entry in breakdown), ZERO)
    total_vat = sum((entry.amount for entry in breakdown), ZERO)
    total_incl_tax = total_excl_tax + total_vat
    return Totals(
        breakdown=breakdown,
        total_excl_tax=total_excl_tax,
        total_vat=total_vat,
        total_incl_tax=total_incl_tax,
        amount_due=total_incl_tax - to_cents(prepaid),
    )


def declared_totals_add_up(
    *, total_excl_tax: Decimal, total_vat: Decimal, total_incl_tax: Decimal
) -> bool:
    """For a deposited PDF, whose lines are not typed: the header totals must agree."""
    return total_excl_tax + total_vat == total_incl_tax
