"""Downloads: only through these views, which check that the user may see the invoice."""

from __future__ import annotations

from csp.decorators import csp_exempt
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest, logged_in_user
from invoices import selectors
from invoices.services import documents


@login_required
@require_GET
def download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachment_for(request.user, pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
@xframe_options_sameorigin
# django-csp types its decorator for views that take the request only.
@csp_exempt()  # type: ignore[arg-type]
def preview(request: HttpRequest, pk: int) -> FileResponse:
    """A PDF shown inside the invoice page (only PDFs, which were read by pypdf or rendered
    by the portal); anything else is downloaded.

    Framed by the portal's own page (X-Frame-Options: SAMEORIGIN), and without the pages'
    Content-Security-Policy, whose ``object-src 'none'`` would stop the browser's PDF viewer.
    """
    attachment = selectors.attachment_for(logged_in_user(request), pk)
    is_pdf = attachment.content_type == "application/pdf"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not is_pdf,
        filename=attachment.original_name,
        content_type=attachment.content_type if is_pdf else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def ubl(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The UBL 2.1 of a typed invoice, made on request from the CII its deposit certified."""
    invoice = selectors.invoice_visible_to(request.user, pk)
    certified_xml = selectors.certified_xml_of(invoice)
    if certified_xml is None:
        raise Http404
    response = HttpResponse(documents.ubl_of(certified_xml), content_type="application/xml")
    name = certified_xml.original_name.removesuffix(".xml") + "-ubl.xml"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
