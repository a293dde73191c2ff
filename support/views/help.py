"""The help pages, the contact page and the accessibility statement: public, no login."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chorus.env import support_settings
from support import catalogue
from support.help import EXTRA, JOURNEY, PAGES


def _context(**extra: object) -> dict[str, object]:
    return {"journey": JOURNEY, "extra_pages": EXTRA, **extra}


def help_index(request: HttpRequest) -> HttpResponse:
    return render(request, "support/help/index.html", _context(current=None))


def help_page(request: HttpRequest, page: str) -> HttpResponse:
    help_page = PAGES[page]
    context = _context(
        current=help_page,
        state_siret=settings.CHORUS["STATE_SIRET"],
        support_phone=support_settings()["PHONE"],
        categories=catalogue.CATEGORIES,
        retention_years=settings.RETENTION_YEARS,
        api_token_max_days=settings.API_TOKEN_MAX_DAYS,
    )
    return render(request, help_page.template, context)


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "support/help/accessibility.html", _context(current=None))
