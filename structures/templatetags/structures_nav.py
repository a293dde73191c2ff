"""What the header's menu shows depends on the user's structures."""

from __future__ import annotations

from django import template

from structures import selectors

register = template.Library()


@register.simple_tag
def receives_invoices(user) -> bool:
    """Whether "Factures reçues" is for this user: a member of a public structure."""
    return bool(user.is_authenticated) and selectors.is_public_member(user)
