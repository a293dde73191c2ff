"""Presentation helpers for invoices: amounts, rates and status badges."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from invoices.workflow import Status

register = template.Library()

# DSFR badge colour per status: where the invoice stands at a glance.
_BADGES = {
    Status.BROUILLON: "",
    Status.DEPOSEE: "fr-badge--info",
    Status.EN_COURS_ACHEMINEMENT: "fr-badge--info",
    Status.MISE_A_DISPOSITION: "fr-badge--new",
    Status.A_RECYCLER: "fr-badge--warning",
    Status.SUSPENDUE: "fr-badge--warning",
    Status.COMPLETEE: "fr-badge--new",
    Status.SERVICE_FAIT: "fr-badge--info",
    Status.MANDATEE: "fr-badge--info",
    Status.COMPTABILISEE: "fr-badge--success",
    Status.REJETEE: "fr-badge--error",
    Status.MISE_EN_PAIEMENT: "fr-badge--success",
}


@register.filter
def money(value: Decimal | None, currency: str = "EUR") -> str:
    if value is None:
        return ""
    amount = number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = "€" if currency == "EUR" else currency
    return f"{amount}\u00a0{symbol}"


@register.filter
def price(value: Decimal | None, currency: str = "EUR") -> str:
    """A unit price: cents at least, up to the four decimals a price may carry."""
    if value is None:
        return ""
    places = max(2, -Decimal(value).normalize().as_tuple().exponent)  # type: ignore[operator]
    amount = number_format(value, decimal_pos=min(places, 4), use_l10n=True, force_grouping=True)
    symbol = "€" if currency == "EUR" else currency
    return f"{amount}\u00a0{symbol}"


@register.filter
def rate(value: Decimal | None) -> str:
    if value is None:
        return ""
    normalized = Decimal(value).normalize()
    places = max(0, -normalized.as_tuple().exponent)  # type: ignore[operator]
    return f"{number_format(normalized, decimal_pos=places, use_l10n=True)}\u00a0%"


@register.filter
def status_badge_class(status: str) -> str:
    return _BADGES.get(status, "")


@register.filter
def status_label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status
