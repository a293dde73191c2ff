"""Numbers and amounts written the way the reader's language writes them.

French: ``1 234,56 €`` (non-breaking spaces). English: ``€1,234.56``. Other currencies keep
their ISO code (``1 234,56 USD``, ``USD 1,234.56``). Grouping is forced here rather than with
USE_THOUSAND_SEPARATOR, which would also group identifiers and years printed in templates.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import get_language

NBSP = "\u00a0"


def _english() -> bool:
    return (get_language() or "fr").startswith("en")


def number(value: int | float | Decimal, decimals: int | None = None) -> str:
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def amount(value: int | float | Decimal, currency: str = "EUR", *, decimals: int = 2) -> str:
    text = number(value, decimals)
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    if not _english():
        return f"{text}{NBSP}{'€' if currency == 'EUR' else currency}"
    if currency == "EUR":
        return f"{sign}€{digits}"
    return f"{currency}{NBSP}{text}"


def colon() -> str:
    """What separates a label from its value: ``Rejetée : motif`` in French (a space before
    the colon, as every French message of the portal writes it), ``Rejected: reason`` in
    English."""
    return ":" if _english() else " :"


def percent(value: int | float | Decimal) -> str:
    """A rate as written: ``12,15 %`` in French, ``12.15%`` in English; no useless zeros."""
    normalized = Decimal(value).normalize()
    # A finite Decimal's exponent is an int (a letter only for NaN and infinities).
    places = max(0, -normalized.as_tuple().exponent)  # type: ignore[operator]
    text = number(normalized, places)
    return f"{text}%" if _english() else f"{text}{NBSP}%"
