"""Rendering e-mails: a subject and a plain-text part are text, not HTML.

Django's templates escape ``'``, ``&``, ``<`` for HTML; in a subject that shows as
``d&#x27;acheminement``. Every e-mail the portal sends renders its subject and its text part
here, without escaping, and only its HTML part with Django's usual escaping.
"""

from __future__ import annotations

from typing import Any

from django.template import Context, Template
from django.template.loader import get_template, render_to_string


def render_text(template_name: str, context: dict[str, Any]) -> str:
    """A plain-text template rendered as text: nothing is HTML-escaped."""
    # The Django backend's own template, which takes a Context (the wrapper takes a dict); the
    # stubs type ``get_template`` as any backend's wrapper, which has no ``.template``.
    template: Template = get_template(template_name).template  # type: ignore[attr-defined]
    return template.render(Context(context, autoescape=False))


def render_subject(template_name: str, context: dict[str, Any]) -> str:
    """An e-mail subject: plain text on one line (a header cannot hold a line break)."""
    return " ".join(render_text(template_name, context).split())


def render_email(
    *, subject: str, text: str, html: str = "", context: dict[str, Any]
) -> tuple[str, str, str]:
    """The subject, the text part and the HTML part (empty without ``html``) of one e-mail."""
    return (
        render_subject(subject, context),
        render_text(text, context),
        render_to_string(html, context) if html else "",
    )
