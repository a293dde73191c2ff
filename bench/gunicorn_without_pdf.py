"""A gunicorn configuration for one what-if figure of ``bench.api``: deposits whose certificate
PDF is not rendered in the request (a typed invoice's Factur-X PDF is already a worker's task).

Each worker replaces the certificate's renderer with a constant one-page PDF once it has loaded
the portal, so that the figure shows what the rest of a deposit costs: the ceiling the API would
reach if rendering were moved out of the request (to a worker, or to another host). Nothing
of the portal's code changes; this file is only ever loaded by ``bench.api``.
"""

from __future__ import annotations

import io
from typing import Any


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def post_worker_init(worker: Any) -> None:
    from invoices import pdf

    blank = _blank_pdf()
    pdf.render_certificate_pdf = lambda invoice, **kwargs: blank  # type: ignore[assignment]
