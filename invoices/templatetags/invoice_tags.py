"""Presentation helpers for invoices: amounts, rates and status badges."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from chorus import formatting
from invoices.models import StatusChange
from invoices.workflow import Status

register = template.Library()

# DSFR badge colour per status: where the invoice stands at a glance.
_BADGES: dict[str, str] = {
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
    Status.A_VALIDER_1: "fr-badge--warning",
    Status.VALIDEE_1: "fr-badge--info",
    Status.REFUSEE_1: "fr-badge--error",
    Status.ABSENCE_VALIDATION_1_HORS_DELAI: "fr-badge--info",
}


@register.filter
def money(value: Decimal | None, currency: str = "EUR") -> str:
    """An amount in the reader's language: 1 234,56 € in French, €1,234.56 in English."""
    if value is None:
        return ""
    return formatting.amount(value, currency)


@register.filter
def price(value: Decimal | None, currency: str = "EUR") -> str:
    """A unit price: cents at least, up to the four decimals a price may carry."""
    if value is None:
        return ""
    # A finite Decimal's exponent is an int (a letter only for NaN and infinities).
    places = max(2, -Decimal(value).normalize().as_tuple().exponent)  # type: ignore[operator]
    return formatting.amount(value, currency, decimals=min(places, 4))


@register.filter
def rate(value: Decimal | None) -> str:
    if value is None:
        return ""
    return formatting.percent(value)


@register.filter
def comment(change: StatusChange) -> str:
    """A step's comment in the reader's language when the system wrote it (its sentences are
    in the catalogue, stored in French); a person's comment as they wrote it."""
    if change.actor_id is None and change.actor_system and change.comment:
        return gettext(change.comment)
    return change.comment


@register.filter
def status_badge_class(status: str) -> str:
    return _BADGES.get(status, "")


@register.filter
def status_label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status


@register.filter
def css_string(value: object) -> str:
    """A value for a CSS string in a <style> block (the PDF's page footer): backslashes and
    quotes escaped the CSS way (``escapejs`` writes JavaScript escapes, which CSS prints as
    they are), line breaks as spaces, and no "<" that could close the block."""
    text = " ".join(str(value).split())
    for char, escaped in (("\\", "\\\\"), ('"', '\\"'), ("<", "\\3C ")):
        text = text.replace(char, escaped)
    return mark_safe(text)  # noqa: S308 - escaped for its only context, above
