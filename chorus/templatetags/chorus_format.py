"""Numbers, amounts and rates in the reader's language (see chorus/formatting.py)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from chorus import formatting
from structures.siret import format_siret

register = template.Library()


@register.filter
def amount(value: Decimal | int | None, currency: str = "EUR") -> str:
    return "" if value is None else formatting.amount(value, currency)


@register.filter
def number(value: Decimal | int | float | None, decimals: int | None = None) -> str:
    return "" if value is None else formatting.number(value, decimals)


@register.simple_tag
def colon() -> str:
    """``{{ label }}{% colon %} {{ value }}``: the colon as the reader's language writes it."""
    return formatting.colon()


@register.filter
def siret(value: str | None) -> str:
    """``84455566400011`` -> ``844 555 664 00011``: the one way pages write a SIRET."""
    return "" if value is None else format_siret(str(value))


@register.filter
def percent(value: Decimal | int | None) -> str:
    return "" if value is None else formatting.percent(value)
