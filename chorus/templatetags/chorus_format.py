"""Numbers, amounts and rates in the reader's language (see chorus/formatting.py)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from chorus import formatting

register = template.Library()


@register.filter
def amount(value: Decimal | int | None, currency: str = "EUR") -> str:
    return "" if value is None else formatting.amount(value, currency)


@register.filter
def number(value: Decimal | int | float | None, decimals: int | None = None) -> str:
    return "" if value is None else formatting.number(value, decimals)


@register.filter
def percent(value: Decimal | int | None) -> str:
    return "" if value is None else formatting.percent(value)
