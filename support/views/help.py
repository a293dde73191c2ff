"""The help pages, the contact page and the accessibility statement: public, no login."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from support import guides
from support.help import EXTRA, JOURNEY, PAGES


def _context(**extra: object) -> dict[str, object]:
    return {"journey": JOURNEY, "extra_pages": EXTRA, **extra}


def help_index(request: HttpRequest) -> HttpResponse:
    return render(request, "support/help/index.html", _context(current=None))


def help_page(request: HttpRequest, page: str) -> HttpResponse:
    help_page = PAGES[page]
    return render(request, help_page.template, _context(**guides.page_context(help_page)))


@require_safe
def help_guide(request: HttpRequest, slug: str) -> HttpResponse:
    """The help page ``slug`` as a one-page PDF guide, in the visitor's language."""
    page = guides.page_by_slug(slug)
    if page is None:
        raise Http404
    pdf = guides.guide_pdf(page, site_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="chorus-guide-{page.slug}.pdf"'
    return response


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "support/help/accessibility.html", _context(current=None))
