"""Factur-X out: every typed invoice is deposited as its CII, which the certificate covers, and
gets a Factur-X PDF embedding those very bytes, which passes the XSD and the schematron; the
PDF, the CII and a UBL 2.1 are downloaded by the supplier and the agent, by nobody else."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import facturx
import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from einvoice.parse import parse_file
from einvoice.validation import validate_file
from invoices import selectors, services, tasks
from invoices.einvoice_mapping import data_from_certified_cii
from invoices.models import Attachment, Invoice, StatusChange
from tests.invoices.factories import (
    certified_xml,
    deposited,
    line,
    rendered,
    stored_bytes,
)

pytestmark = pytest.mark.django_db
D = Decimal

# Portal invoices of every kind the entry form allows; each must come out conforming.
VARIED: dict[str, dict] = {
    "standard": {},
    "credit_note": {"invoice_type": "AVOIR", "original_invoice_number": "F-2025-0099"},
    "several_rates": {
        "lines": [
            line(vat_rate=D("20")),
            line(description="Repas", quantity=D("7"), unit_price=D("12.333"), vat_rate=D("10")),
            line(description="Livres", quantity=D("3"), unit_price=D("19.99"), vat_rate=D("5.5")),
            line(description="Presse", quantity=D("4"), unit_price=D("2.15"), vat_rate=D("2.1")),
            line(description="Export", quantity=D("1"), unit_price=D("80"), vat_rate=D("0")),
        ]
    },
    "discounts_and_prepaid": {
        "lines": [
            line(quantity=D("12"), unit_price=D("8.3333"), discount=D("5.00"), unit="HUR"),
            line(description="Licence", unit_price=D("1500"), discount=D("150"), reference="L-1"),
        ],
        "prepaid_amount": D("100.00"),
        "comment": "Suite à la commande du 2 janvier.",
    },
    "exempt": {
        "vat_regime": "EXONERE",
        "vat_exemption_reason": "Exonération de TVA, article 261-4-4° a du CGI",
        "lines": [line(description="Formation", vat_rate=D("0"))],
    },
    "without_vat": {"vat_regime": "SANS_TVA", "lines": [line(vat_rate=D("0"))]},
    "on_receipts_by_cheque": {"vat_regime": "ENCAISSEMENTS", "payment_method": "CHEQUE"},
    "with_market_and_engagement": {"market_number": "M-2026-17", "engagement_number": "EJ-123"},
}


def _credited_first(personas, values: dict) -> None:  # type: ignore[no-untyped-def]
    """A credit note refers to a deposited invoice of its supplier and recipient: deposit it."""
    if values.get("invoice_type") == "AVOIR":
        deposited(personas, number=values["original_invoice_number"])


@pytest.fixture
def generated(personas, request):  # type: ignore[no-untyped-def]
    _credited_first(personas, VARIED[request.param])
    invoice = deposited(personas, **VARIED[request.param])
    return invoice, certified_xml(invoice), rendered(invoice)


@pytest.mark.parametrize("generated", list(VARIED), indirect=True)
def test_every_portal_invoice_downloads_as_a_factur_x_that_passes_xsd_and_schematron(generated):
    invoice, _xml, pdf = generated
    report = validate_file(stored_bytes(pdf), pdf.original_name)
    assert report.errors == ()
    assert (report.valid, report.format, report.profile) == (True, "FACTURX", "EN16931")
    assert (report.number, report.total_incl_tax) == (invoice.number, invoice.total_incl_tax)
    assert report.total_excl_tax == invoice.total_excl_tax
    assert report.total_vat == invoice.total_vat


@pytest.mark.parametrize("generated", list(VARIED), indirect=True)
def test_the_ubl_made_from_the_certified_cii_passes_too(generated):
    invoice, xml, _pdf = generated
    ubl = services.documents.ubl_of(xml)
    report = validate_file(ubl, "facture.xml")
    assert (report.errors, report.format) == ((), "UBL")
    assert report.total_incl_tax == invoice.total_incl_tax


@pytest.mark.parametrize("generated", list(VARIED), indirect=True)
def test_the_certified_cii_reads_back_to_the_very_same_bytes(generated):
    from einvoice.facturx import build_cii

    _invoice, xml, _pdf = generated
    content = stored_bytes(xml)
    assert build_cii(data_from_certified_cii(content)) == content


@pytest.mark.parametrize("generated", ["standard"], indirect=True)
def test_the_pdf_embeds_the_certified_cii_byte_for_byte(generated):
    invoice, xml, pdf = generated
    name, embedded = facturx.get_xml_from_pdf(stored_bytes(pdf), check_xsd=False)
    assert name == "factur-x.xml"
    assert hashlib.sha256(embedded).hexdigest() == xml.sha256
    assert pdf.status_change_id == xml.status_change_id
    assert pdf.content_type == "application/pdf"
    assert invoice.number in PdfReader(pdf.file.open("rb")).pages[0].extract_text()


def test_the_certificate_covers_the_cii_that_was_deposited(personas):
    invoice = deposited(personas)
    xml = certified_xml(invoice)
    manifest = f"{xml.sha256}  {xml.original_name}\n"
    assert invoice.deposit_sha256 == hashlib.sha256(manifest.encode()).hexdigest()
    assert xml.content_type == "application/xml"
    assert hashlib.sha256(stored_bytes(xml)).hexdigest() == xml.sha256
    # The deposit itself renders no invoice PDF: the task does, after the commit.
    assert not invoice.attachments.filter(kind=Attachment.Kind.GENERATED_PDF).exists()


@pytest.fixture
def tasks_run_at_once():  # type: ignore[no-untyped-def]
    """Celery runs each task in this process as it is sent (the worker tests do the real thing)."""
    from chorus.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_the_pdf_is_rendered_once_the_deposit_is_committed(
    personas, django_capture_on_commit_callbacks, tasks_run_at_once
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invoice = deposited(personas)
    assert not invoice.attachments.filter(kind=Attachment.Kind.GENERATED_PDF).exists()
    # Committed: the routing's wake runs a batch, whose follow-up enqueues the renderings.
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    pdf = invoice.attachments.get(kind=Attachment.Kind.GENERATED_PDF)
    assert pdf.status_change_id == certified_xml(invoice).status_change_id


def test_the_chorus_references_land_in_their_business_terms(personas):
    _credited_first(personas, VARIED["credit_note"])
    invoice = deposited(
        personas,
        billing_frame="A9",
        validator_siret=personas.globex.identifier,  # A9 names its titular company
        market_number="M-2026-17",
        engagement_number="EJ-123",
        **VARIED["credit_note"],
    )
    data = parse_file(stored_bytes(certified_xml(invoice)), "f.xml")
    assert (data.type_code, data.preceding_invoice) == ("381", "F-2025-0099")
    assert data.buyer_reference == "FACTURES_PUBLIQUES"  # BT-10, the code service
    assert data.purchase_order_reference == "EJ-123"  # BT-13, the EJ
    assert data.contract_reference == "M-2026-17"  # BT-12
    assert data.business_process == "A9"  # BT-23, the billing frame
    assert (data.seller.siret, data.buyer.siret) == (personas.acme.siret, "11000201100044")
    assert data.seller.vat_id.startswith("FR") and data.seller.vat_id.endswith(
        personas.acme.siret[:9]
    )
    assert (data.payment_means.code, data.payment_means.iban) == ("30", invoice.iban)
    # The deposit's day in the portal's time zone (Paris), not in UTC: they differ after 23:00.
    assert data.due_date == timezone.localdate(invoice.deposited_at) + timedelta(days=30)


def test_an_exempt_invoice_states_its_reason_and_an_invoice_without_vat_no_vat_number(personas):
    exempt = parse_file(
        stored_bytes(certified_xml(deposited(personas, **VARIED["exempt"]))), "f.xml"
    )
    assert [(e.category, e.exemption_reason) for e in exempt.vat_breakdown] == [
        ("E", "Exonération de TVA, article 261-4-4° a du CGI")
    ]
    without = parse_file(
        stored_bytes(certified_xml(deposited(personas, **VARIED["without_vat"]))), "f.xml"
    )
    assert [e.category for e in without.vat_breakdown] == ["O"]
    assert (without.seller.vat_id, without.buyer.vat_id) == ("", "")


def test_the_rendering_run_twice_makes_one_pdf(personas):
    invoice = deposited(personas)
    first = rendered(invoice)
    assert tasks.render_facturx(certified_xml(invoice).pk) is None
    assert invoice.attachments.filter(kind=Attachment.Kind.GENERATED_PDF).get() == first


def test_the_sweep_finds_a_rendering_whose_message_was_lost(personas):
    invoice = deposited(personas)
    xml = certified_xml(invoice)
    missing = selectors.renderings_missing(older_than=timedelta(0))
    assert list(missing) == [(xml.pk, invoice.pk)]
    assert not selectors.renderings_missing(older_than=timedelta(hours=1)).exists()
    rendered(invoice)
    assert not selectors.renderings_missing(older_than=timedelta(0)).exists()


def test_a_backlog_of_missing_renderings_is_enqueued_once_per_period(
    personas, monkeypatch, settings
):
    invoices = [deposited(personas) for _ in range(6)]
    # Deposited ten minutes ago; their rendering messages were lost.
    long_ago = timezone.now() - timedelta(minutes=10)
    Attachment.objects.filter(invoice__in=invoices).update(uploaded_at=long_ago)
    StatusChange.objects.filter(invoice__in=invoices).update(at=long_ago)
    enqueued: list[tuple[str, int]] = []
    queues: set[str] = set()

    def send(name: str, args: tuple[int], queue: str) -> None:
        enqueued.append((name, args[0]))
        queues.add(queue)

    for name in ("render_facturx", "render_certificate"):
        monkeypatch.setattr(
            getattr(tasks, name), "apply_async", lambda args, _n=name, **k: send(_n, args, **k)
        )
    assert tasks.sweep_renderings(missing_after=60) == 12  # a PDF and a certificate each
    for _tick in range(5):  # the beat ticks while the workers catch up: nothing more
        assert tasks.sweep_renderings(missing_after=60) == 0
    assert len(enqueued) == len(set(enqueued)) == 12
    assert queues == {settings.RENDERING_QUEUE}
    # A period later, what is still missing is enqueued once more.
    Invoice.objects.filter(pk__in=[i.pk for i in invoices]).update(renderings_swept_at=long_ago)
    rendered(invoices[0])
    assert tasks.sweep_renderings(missing_after=60) == 11


def test_a_recycled_invoice_gets_a_new_cii_and_pdf_and_keeps_the_old_ones(personas):
    invoice = deposited(personas)
    first = rendered(invoice)
    Invoice.objects.filter(pk=invoice.pk).update(status="A_RECYCLER")
    services.invoice_recycle(
        user=personas.supplier_principal,
        invoice=invoice,
        recipient_siret="11000201100044",
        service_code="SFACT_MIN_EDU",
        engagement_number="EJ-9",
    )
    second = rendered(invoice)
    assert second != first
    assert invoice.attachments.filter(kind=Attachment.Kind.GENERATED_XML).count() == 2
    data = parse_file(stored_bytes(second), second.original_name)
    assert (data.buyer_reference, data.purchase_order_reference) == ("SFACT_MIN_EDU", "EJ-9")
    assert selectors.main_document_of(invoice) == second


# --- downloads ---------------------------------------------------------------------------------
@pytest.fixture
def as_user(client):  # type: ignore[no-untyped-def]
    def login(user):  # type: ignore[no-untyped-def]
        client.force_login(user)
        return client

    return login


def _made_available(personas) -> Invoice:  # type: ignore[no-untyped-def]
    invoice = deposited(personas)
    rendered(invoice)
    Invoice.objects.filter(pk=invoice.pk).update(made_available_at=invoice.deposited_at)
    return invoice


def _download_urls(invoice: Invoice) -> dict[str, str]:
    pdf = invoice.attachments.get(kind=Attachment.Kind.GENERATED_PDF)
    return {
        "pdf": reverse("invoices:download", args=[pdf.pk]),
        "cii": reverse("invoices:download", args=[certified_xml(invoice).pk]),
        "ubl": reverse("invoices:ubl", args=[invoice.pk]),
    }


@pytest.mark.parametrize("who", ["supplier_member", "agent"])
def test_the_supplier_and_the_agent_download_the_pdf_the_cii_and_the_ubl(personas, as_user, who):
    invoice = _made_available(personas)
    client = as_user(getattr(personas, who))
    for kind, url in _download_urls(invoice).items():
        response = client.get(url)
        assert response.status_code == 200, kind
        assert response["Content-Disposition"].startswith("attachment;"), kind
        assert response["X-Content-Type-Options"] == "nosniff"
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert validate_file(content, f"facture.{'pdf' if kind == 'pdf' else 'xml'}").valid


def test_the_detail_page_links_the_three_downloads(personas, as_user):
    invoice = _made_available(personas)
    page = as_user(personas.agent).get(reverse("invoices:received_detail", args=[invoice.pk]))
    html = page.content.decode()
    for url in _download_urls(invoice).values():
        assert url in html


def test_the_detail_page_says_the_pdf_is_on_its_way(personas, as_user):
    invoice = deposited(personas)
    page = as_user(personas.supplier_member).get(reverse("invoices:detail", args=[invoice.pk]))
    assert "en cours de création" in page.content.decode()


@pytest.mark.parametrize("persona", ["outsider", "pending_requester", "other_agent"])
def test_anyone_else_gets_404_on_every_download(personas, as_user, persona):
    invoice = _made_available(personas)
    client = as_user(getattr(personas, persona))
    for url in _download_urls(invoice).values():
        assert client.get(url).status_code == 404


def test_a_pdf_deposit_has_no_ubl(personas, as_user):
    from tests.invoices.factories import header, upload

    invoice = services.invoice_upload_pdf(
        user=personas.supplier_principal,
        supplier=personas.acme,
        data=header(total_excl_tax=D("10"), total_vat=D("2"), total_incl_tax=D("12")),
        main_file=upload(),
    )
    response = as_user(personas.supplier_member).get(reverse("invoices:ubl", args=[invoice.pk]))
    assert response.status_code == 404
