"""The one-page PDF guides: each help page rendered by the portal itself, for suppliers who
print it or pass it on. The same template as the page (``help_base`` swapped for a print
layout), so a guide never says something the page does not."""

from __future__ import annotations

import functools

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from chorus.env import support_settings
from support import catalogue
from support.help import PAGES, HelpPage

PRINT_BASE = "support/help/print.html"


def page_context(page: HelpPage | None) -> dict[str, object]:
    """What every help page's template reads (on screen and in its guide)."""
    return {
        "current": page,
        "state_siret": settings.CHORUS["STATE_SIRET"],
        "support_phone": support_settings()["PHONE"],
        "dematerialisation_email": support_settings()["DEMATERIALISATION_EMAIL"],
        "categories": catalogue.CATEGORIES,
        "retention_years": settings.RETENTION_YEARS,
        "api_token_max_days": settings.API_TOKEN_MAX_DAYS,
    }


def page_by_slug(slug: str) -> HelpPage | None:
    return next((page for page in PAGES.values() if page.slug == slug), None)


def guide_pdf(page: HelpPage, *, site_url: str) -> bytes:
    """The guide of ``page`` in the active language; ``site_url`` makes its links absolute."""
    return _render(
        page.name,
        translation.get_language() or settings.LANGUAGE_CODE,
        site_url,
        support_settings()["PHONE"],
        support_settings()["DEMATERIALISATION_EMAIL"],
    )


# Rendering takes a fraction of a second of CPU, on a public URL: each process keeps the few
# guides it has made (a handful of pages × languages), keyed by everything they depend on.
@functools.lru_cache(maxsize=64)
def _render(name: str, language: str, site_url: str, phone: str, email: str) -> bytes:
    from weasyprint import HTML  # late import: loading Pango is slow and only PDFs need it

    page = PAGES[name]
    with translation.override(language):
        html = render_to_string(
            page.template,
            {
                **page_context(page),
                "help_base": PRINT_BASE,
                "site_url": site_url,
                "site_name": settings.CHORUS["SITE_TITLE"],
            },
        )
    return HTML(string=html, base_url=site_url, url_fetcher=_refuse).write_pdf()


def _refuse(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    """The guide loads nothing: its style is inline, and links are only written, never fetched."""
    raise ValueError(f"the help guides load no resource ({url})")
