"""What the error pages use: nothing that can fail again.

They are shown when something already went wrong — a database out of reach, static files
collected without their manifest — so a static file's address falls back to its unhashed name
(which whitenoise serves too) instead of raising as ``{% static %}`` does.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.utils.html import format_html
from django.utils.safestring import SafeString
from dsfr.checksums import INTEGRITY_CSS
from dsfr.constants import DsfrStaticAssets

register = template.Library()


@register.simple_tag
def fail_safe_static(path: str) -> str:
    try:
        return staticfiles_storage.url(path)
    except (ValueError, OSError):  # no manifest entry, or a manifest missing or unreadable
        return f"{settings.STATIC_URL}{path}"


@register.simple_tag
def error_page_stylesheet() -> SafeString:
    """The design system's stylesheet, checked by its integrity like django-dsfr's own tag."""
    return format_html(
        '<link rel="stylesheet" href="{}" integrity="{}">',
        fail_safe_static(DsfrStaticAssets.DSFR_CSS),
        INTEGRITY_CSS,
    )
