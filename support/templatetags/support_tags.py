"""Template helpers of the ticket and help pages; ``help_link`` and ``help_panel`` are for every
app's pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.urls import reverse

from support.help import PAGES, PANELS
from support.workflow import TicketStatus

register = template.Library()

_GROUPS = {
    "select": ("fr-select-group", "fr-select"),
    "file": ("fr-upload-group", "fr-upload"),
}
_BADGES = {
    TicketStatus.ENVOYEE: "info",
    TicketStatus.EN_COURS: "info",
    TicketStatus.ATTENTE_INFO: "warning",
    TicketStatus.TRANSFEREE: "new",
    TicketStatus.REPONDUE: "success",
}


@register.inclusion_tag("support/includes/field.html")
def dsfr_field(field: BoundField) -> dict[str, Any]:
    """A form field in DSFR markup, its hint and errors tied to it by aria-describedby."""
    group, control = _GROUPS.get(field.widget_type, ("fr-input-group", "fr-input"))
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
    css = f"{control} {control}--error" if field.errors and control != "fr-upload" else control
    attrs: dict[str, str | bool] = {"class": css}
    if field.errors:
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return {"field": field, "group": group, "widget": field.as_widget(attrs=attrs)}


@register.inclusion_tag("support/includes/status_badge.html")
def ticket_status_badge(status: str) -> dict[str, Any]:
    return {
        "modifier": _BADGES.get(TicketStatus(status), ""),
        "label": TicketStatus(status).label,
    }


@register.inclusion_tag("support/includes/help_link.html")
def help_link(name: str) -> dict[str, Any]:
    """A link to the help page ``help:<name>``, to put on the page that page explains."""
    page = PAGES[name]
    return {"url": reverse(f"help:{name}"), "title": page.title}


@register.inclusion_tag("support/includes/help_panel.html")
def help_panel(step: str) -> dict[str, Any]:
    """The short in-context help of one step (``support.help.PANELS``): a few words, the link to
    the help page's section that explains the step, and that page's one-page PDF guide."""
    panel = PANELS[step]
    url = reverse(f"help:{panel.page}")
    return {
        "panel": panel,
        "page": panel.help_page,
        "section_url": f"{url}#{panel.section}",
        "guide_url": reverse("help:guide", args=[panel.help_page.slug]),
    }
