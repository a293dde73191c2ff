"""PDF rendering: the portal's PDFs per second per core, beside WeasyPrint's default render.

Per core means per CPU-second of this process: the renders are timed in CPU time, which the
other processes of a shared machine disturb far less than the wall clock. Three documents: the
typed invoice and the deposit certificate that every deposit renders (invoices/pdf.py), and the
Factur-X PDF (invoices/invoice_pdf.py: the readable PDF of an InvoiceData with its CII
embedded by einvoice).
The baseline renders the same HTML with ``HTML(string=html).write_pdf()`` and no option.

Then the candidate changes, each measured the same way, that chose the portal's settings.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from bench.common import Row, peak_rss_mib

TARGET = 20.0  # renders per second per core


def _cpu_rate(render: Callable[[], object], runs: int) -> dict[str, float]:
    """Renders per CPU-second, and the median wall-clock milliseconds of one render."""
    render()  # warm: imports, fonts, template and CSS caches
    walls = []
    cpu_started = time.process_time()
    for _ in range(runs):
        started = time.perf_counter()
        render()
        walls.append(time.perf_counter() - started)
    cpu = time.process_time() - cpu_started
    return {"per_core": runs / cpu, "wall_p50_ms": statistics.median(walls) * 1000}


def _typed_invoice() -> tuple[Any, list[Any]]:
    """An unsaved invoice with three lines: enough for the templates, no database needed."""
    from invoices.models import Invoice, InvoiceLine
    from structures.models import Service, Structure

    supplier = Structure(
        identifier="73282932000074",
        name="ACME Fournitures SAS",
        address="12 rue des Lilas",
        postal_code="75011",
        city="Paris",
    )
    state = Structure(identifier="11000201100044", name="État", is_public=True)
    invoice = Invoice(
        number="F-2026-000123",
        issue_date=date(2026, 4, 1),
        issue_year=2026,
        supplier=supplier,
        recipient=state,
        recipient_siret=state.identifier,
        service_code="FACTURES_PUBLIQUES",
        service=Service(structure=state, code="FACTURES_PUBLIQUES", name="Factures publiques"),
        engagement_number="EJ-1000001",
        iban="FR7630006000011234567890189",
        total_excl_tax=Decimal("1430.00"),
        total_vat=Decimal("283.85"),
        total_incl_tax=Decimal("1713.85"),
        amount_due=Decimal("1713.85"),
    )
    lines = [
        InvoiceLine(
            invoice=invoice,
            position=i + 1,
            description=description,
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            vat_rate=Decimal(rate),
            net_amount=Decimal(quantity) * Decimal(price),
        )
        for i, (description, quantity, price, rate) in enumerate(
            [
                ("Conseil en organisation", "8", "150.00", "20"),
                ("Formation des agents", "1", "200.00", "20"),
                ("Ouvrages de référence", "3", "10.00", "5.5"),
            ]
        )
    ]
    return invoice, lines


def _htmls() -> dict[str, str]:
    from django.template.loader import render_to_string
    from django.utils import timezone, translation

    from invoices.invoice_pdf import PDF_TEMPLATE, pdf_context
    from invoices.pdf import CertifiedFile
    from tests.einvoice.samples import invoice as sample_invoice

    invoice, _lines = _typed_invoice()
    files = [CertifiedFile("facture-F-2026-000123.pdf", "Facture au format PDF", 41234, "ab" * 32)]
    with translation.override("fr"):
        return {
            "certificate": render_to_string(
                "invoices/pdf/certificate.html",
                {
                    "invoice": invoice,
                    "deposited_at": timezone.now(),
                    "digest": "cd" * 32,
                    "files": files,
                },
            ),
            "facturx": render_to_string(PDF_TEMPLATE, pdf_context(sample_invoice())),
        }


def _variants(html: str) -> dict[str, Callable[[], object]]:
    """The candidate changes, each on top of the PDF/A-3b the portal must produce."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    shared = FontConfiguration()
    # The page's own <style>, parsed once (the portal's templates carry their CSS inline).
    css = CSS(string="body { font-family: 'DejaVu Sans', sans-serif; }", font_config=shared)
    return {
        "PDF/A-3b (portal before)": lambda: HTML(string=html).write_pdf(pdf_variant="pdf/a-3b"),
        "+ optimize_images off": lambda: HTML(string=html).write_pdf(
            pdf_variant="pdf/a-3b", optimize_images=False
        ),
        "+ one FontConfiguration reused": lambda: HTML(string=html).write_pdf(
            pdf_variant="pdf/a-3b", font_config=shared
        ),
        "+ reused fonts, extra parsed CSS": lambda: HTML(string=html).write_pdf(
            pdf_variant="pdf/a-3b", font_config=shared, stylesheets=[css]
        ),
        "+ reused fonts, full fonts (no subsetting)": lambda: HTML(string=html).write_pdf(
            pdf_variant="pdf/a-3b", font_config=shared, full_fonts=True
        ),
        "+ reused fonts, uncompressed": lambda: HTML(string=html).write_pdf(
            pdf_variant="pdf/a-3b", font_config=shared, uncompressed_pdf=True
        ),
    }


def run(*, quick: bool) -> list[Row]:
    from weasyprint import HTML

    from invoices.invoice_pdf import render_facturx_pdf
    from invoices.pdf import html_to_pdf
    from tests.einvoice.samples import invoice as sample_invoice

    runs = 6 if quick else 30
    htmls = _htmls()
    data = sample_invoice()
    portal = {
        "certificate": lambda: html_to_pdf(htmls["certificate"]),
        "facturx": lambda: render_facturx_pdf(data),
    }
    names = {
        "certificate": "deposit certificate PDF",
        "facturx": "Factur-X PDF (render + CII)",
    }
    rows = []
    baselines = {}
    for key, html in htmls.items():
        base = _cpu_rate(lambda html=html: HTML(string=html).write_pdf(), runs)
        baselines[key] = base["per_core"]
        got = _cpu_rate(portal[key], runs)
        rows.append(
            Row(
                bench="pdf",
                case=names[key],
                metric="renders/s/core",
                value=got["per_core"],
                baseline_name="WeasyPrint default render",
                baseline=base["per_core"],
                target=f"≥ {TARGET:.0f}/s/core",
                met=got["per_core"] >= TARGET,
                extra={
                    "wall_p50_ms": got["wall_p50_ms"],
                    "baseline_wall_p50_ms": base["wall_p50_ms"],
                },
            )
        )
    variants = _variants(htmls["facturx"])
    if quick:  # the before and after of the change the portal made
        variants = {k: v for k, v in variants.items() if "before" in k or k.endswith("reused")}
    for name, render in variants.items():
        got = _cpu_rate(render, max(runs // 2, 5))
        rows.append(
            Row(
                bench="pdf",
                case=f"variant: {name}",
                metric="renders/s/core",
                value=got["per_core"],
                baseline_name="WeasyPrint default render",
                baseline=baselines["facturx"],
                extra={"wall_p50_ms": got["wall_p50_ms"], "document": "Factur-X HTML"},
            )
        )
    rows[0].extra["peak_rss_mib"] = peak_rss_mib()
    return rows
