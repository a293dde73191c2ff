"""Structured files in: a Factur-X PDF, a CII or a UBL is judged by the official artefacts and
the portal's own rules (which come first), mapped to an invoice, kept byte for byte; through
the page it is reviewed before the deposit, and a refusal names each rule next to its field."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from django.urls import reverse

from einvoice.data import computed
from einvoice.errors import NoInvoiceInPdf, UnsupportedFileType
from invoices import services
from invoices.einvoice_mapping import data_to_invoice_input, form_field_for
from invoices.models import Attachment, Invoice, InvoiceLine
from invoices.services import StructuredFileRefused
from invoices.workflow import Status
from structures.siret import format_siret
from tests.einvoice.samples import invoice as sample
from tests.factories import valid_siret
from tests.invoices.conftest import stored_files
from tests.invoices.factories import pdf_bytes, stored_bytes
from tests.invoices.structured_files import (
    cii_to_the_state,
    facturx_to_the_state,
    minimum_cii,
    minimum_facturx,
    set_cii,
    ubl_to_the_state,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _deposit(personas, content: bytes, filename: str = "facture.xml", **extra) -> Invoice:  # type: ignore[no-untyped-def]
    return services.invoice_deposit_structured_file(
        user=personas.supplier_principal,
        supplier=personas.acme,
        content=content,
        filename=filename,
        **extra,
    )


def _refusal(personas, content: bytes, filename: str = "facture.xml") -> list:  # type: ignore[no-untyped-def]
    with pytest.raises(StructuredFileRefused) as caught:
        _deposit(personas, content, filename)
    return caught.value.preview.problems


# --- the service (what the API calls) ------------------------------------------------------------
def test_a_reference_cii_to_the_state_is_deposited_end_to_end(personas, media_root):
    content = cii_to_the_state(seller_siret=personas.acme.siret)
    invoice = _deposit(personas, content, "CII_example1.xml")
    assert (invoice.status, invoice.deposit_mode) == (Status.DEPOSEE, "UPLOAD_API")
    assert (invoice.number, invoice.recipient, invoice.service) == (
        "12115118",
        personas.state,
        personas.service,
    )
    assert (invoice.total_excl_tax, invoice.total_vat, invoice.total_incl_tax) == (
        D("229.60"),
        D("20.73"),
        D("250.33"),
    )
    main = invoice.attachments.get(kind=Attachment.Kind.MAIN)
    assert stored_bytes(main) == content
    assert (main.sha256, main.content_type) == (
        hashlib.sha256(content).hexdigest(),
        "application/xml",
    )
    manifest = f"{main.sha256}  {main.original_name}\n"
    assert invoice.deposit_sha256 == hashlib.sha256(manifest.encode()).hexdigest()
    # The file is the invoice: no CII nor PDF is made from it (the certificate follows).
    kinds = set(invoice.attachments.values_list("kind", flat=True))
    assert kinds == {Attachment.Kind.MAIN}
    # Its line 20 says 6 × 18.33 = -109.98 (no EN 16931 rule checks a line's arithmetic): the
    # portal's lines cannot hold it exactly, so the lines stay in the file.
    assert not invoice.lines.exists()


@pytest.mark.parametrize(
    ("make", "name"),
    [(cii_to_the_state, "CII_example9.xml"), (ubl_to_the_state, "ubl-tc434-example9.xml")],
)
def test_the_lines_of_a_reference_file_are_kept_when_the_portal_holds_them(personas, make, name):
    invoice = _deposit(personas, make(name, seller_siret=personas.acme.siret))
    assert (invoice.status, invoice.number, invoice.total_incl_tax) == (
        Status.DEPOSEE,
        "20150483",
        D("177.87"),
    )
    lines = list(invoice.lines.order_by("position"))
    assert lines and lines[0].unit == "MON"
    assert sum(line.net_amount for line in lines) == invoice.total_excl_tax


def test_a_reference_ubl_to_the_state_is_deposited_end_to_end(personas):
    content = ubl_to_the_state(seller_siret=personas.acme.siret)
    invoice = _deposit(personas, content, "ubl-tc434-example1.xml")
    assert (invoice.status, invoice.number, invoice.total_incl_tax) == (
        Status.DEPOSEE,
        "12115118",
        D("250.33"),
    )
    assert stored_bytes(invoice.attachments.get(kind=Attachment.Kind.MAIN)) == content


def test_a_factur_x_pdf_is_deposited_as_it_came(personas):
    content = facturx_to_the_state(seller_siret=personas.acme.siret)
    invoice = _deposit(personas, content, "facture.pdf", deposit_mode="UPLOAD_WEB")
    assert (invoice.deposit_mode, invoice.engagement_number) == ("UPLOAD_WEB", "")
    main = invoice.attachments.get(kind=Attachment.Kind.MAIN)
    assert (stored_bytes(main), main.content_type) == (content, "application/pdf")
    assert invoice.total_incl_tax == computed(sample()).totals.grand_total


def test_a_minimum_factur_x_is_accepted_with_its_header_totals(personas):
    invoice = _deposit(personas, minimum_facturx(seller_siret=personas.acme.siret), "min.pdf")
    assert (invoice.status, invoice.number) == (Status.DEPOSEE, "MIN-2026-7")
    assert (invoice.total_excl_tax, invoice.total_vat, invoice.total_incl_tax) == (
        D("100.00"),
        D("20.00"),
        D("120.00"),
    )
    assert not invoice.lines.exists()
    assert invoice.payment_method == "AUTRE"  # MINIMUM carries no payment means


def test_a_minimum_xml_alone_is_refused_its_pdf_is_the_invoice(personas):
    problems = _refusal(personas, minimum_cii(seller_siret=personas.acme.siret))
    assert [(p.rule_id, p.field) for p in problems] == [("CHORUS", "main_file")]
    assert "PDF Factur-X" in problems[0].message


def test_a_broken_rule_refuses_the_file_and_stores_nothing(personas, media_root):
    broken = cii_to_the_state(
        seller_siret=personas.acme.siret,
        change=set_cii("//ram:GrandTotalAmount", "250.34"),
    )
    problems = _refusal(personas, broken)
    by_rule = {p.rule_id: p for p in problems}
    assert {"BR-CO-15"} <= set(by_rule)
    assert by_rule["BR-CO-15"].field == "total_incl_tax"
    assert "Le total TTC (BT-112) doit être exactement" in by_rule["BR-CO-15"].explanation
    assert not Invoice.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_the_portal_rules_come_first_each_next_to_its_field(personas):
    unknown_siret = valid_siret(9_999)
    broken = cii_to_the_state(
        seller_siret=personas.acme.siret,
        change=lambda root: (
            set_cii("//ram:GrandTotalAmount", "250.34")(root),
            set_cii("//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", unknown_siret)(
                root
            ),
        ),
    )
    problems = _refusal(personas, broken)
    assert (problems[0].rule_id, problems[0].field) == ("CHORUS", "recipient_siret")
    assert problems[0].business_term == "BT-47"
    assert "BT-47" in problems[0].explanation
    assert problems[-1].rule_id.startswith("BR-")


@pytest.mark.parametrize(
    ("setup", "service_code", "field", "words"),
    [
        ("nothing", "INCONNU", "service_code", "n'existe pas"),
        ("inactive", "FACTURES_PUBLIQUES", "service_code", "n'est pas actif"),
        ("engagement", "FACTURES_PUBLIQUES", "engagement_number", "obligatoire"),
    ],
)
def test_the_service_code_and_engagement_rules_of_the_recipient_apply(
    personas, setup, service_code, field, words
):
    if setup == "inactive":
        personas.service.is_active = False
        personas.service.save()
    if setup == "engagement":
        personas.service.engagement_required = True
        personas.service.save()
    content = cii_to_the_state(seller_siret=personas.acme.siret, service_code=service_code)
    problems = _refusal(personas, content)
    assert [(p.rule_id, p.field) for p in problems] == [("CHORUS", field)]
    assert words in problems[0].message


def test_a_recipient_that_is_not_public_is_refused(personas):
    private = personas.globex.siret
    content = cii_to_the_state(
        seller_siret=personas.acme.siret,
        change=set_cii("//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", private),
    )
    problems = _refusal(personas, content)
    assert problems[0].field == "recipient_siret"
    assert "publique" in problems[0].message


def test_a_file_sold_by_another_company_is_refused(personas):
    problems = _refusal(personas, cii_to_the_state(seller_siret=personas.globex.siret))
    assert [(p.rule_id, p.field) for p in problems] == [("CHORUS", "supplier")]
    assert format_siret(personas.globex.siret) in problems[0].message


def test_the_same_number_twice_in_a_year_is_refused(personas):
    content = cii_to_the_state(seller_siret=personas.acme.siret)
    _deposit(personas, content)
    problems = _refusal(personas, content)
    assert [(p.rule_id, p.field) for p in problems] == [("CHORUS", "number")]


def test_a_user_who_may_not_deposit_for_the_structure_is_refused(personas):
    with pytest.raises(StructuredFileRefused) as caught:
        services.invoice_deposit_structured_file(
            user=personas.outsider,
            supplier=personas.acme,
            content=cii_to_the_state(seller_siret=personas.acme.siret),
            filename="f.xml",
        )
    assert "supplier" in caught.value.errors


def test_a_pdf_without_invoice_xml_is_not_structured_and_other_types_are_refused():
    assert services.is_structured_file(pdf_bytes(), "facture.pdf") is False
    assert services.is_structured_file(b"<Invoice/>", "facture.xml") is True
    with pytest.raises(UnsupportedFileType):
        services.is_structured_file(b"PK\x03\x04 a zip", "facture.docx")
    with pytest.raises(NoInvoiceInPdf):
        services.structured_file_preview(
            user=None, supplier=None, content=pdf_bytes(), filename="f.pdf"
        )


def test_the_preview_answers_like_the_api_and_stores_nothing(personas, media_root):
    preview = services.structured_file_preview(
        user=personas.supplier_principal,
        supplier=personas.acme,
        content=cii_to_the_state(seller_siret=personas.acme.siret, service_code="INCONNU"),
        filename="f.xml",
    )
    answer = preview.to_dict()
    assert (answer["valid"], answer["accepted"], answer["number"]) == (True, False, "12115118")
    assert answer["problems"][0]["field"] == "service_code"
    assert answer["problems"][0]["rule_id"] == "CHORUS"
    assert not Invoice.objects.exists() and stored_files(media_root) == []


# --- mapping -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("term", "field"),
    [
        ("BT-1", "number"),
        ("BT-10", "service_code"),
        ("BT-13", "engagement_number"),
        ("BT-47", "recipient_siret"),
        ("BT-44", "recipient_siret"),
        ("BT-31", "supplier"),
        ("BT-35", "supplier"),
        ("BT-84", "iban"),
        ("BT-112", "total_incl_tax"),
        ("BT-115", "amount_due"),
        ("BT-120", "vat_exemption_reason"),
        ("BG-23", "vat_regime"),
        ("BT-131", "lines"),
        ("BG-25", "lines"),
        ("BT-24", None),
        (None, None),
    ],
)
def test_each_business_term_has_its_place_on_the_deposit_form(term, field):
    assert form_field_for(term) == field


def test_a_file_s_categories_give_the_portal_s_vat_regime_and_type():
    from tests.einvoice.samples import TYPE_CREDIT_NOTE, line

    exempt = sample(
        lines=(line("1", "1", "10", vat_category="E", vat_rate=None, exemption_reason="Art. 261"),)
    )
    header, lines = data_to_invoice_input(computed(exempt))
    assert (header.vat_regime, header.vat_exemption_reason) == ("EXONERE", "Art. 261")
    assert lines[0].vat_rate == 0
    credit = sample(type_code=TYPE_CREDIT_NOTE, preceding_invoice="F-1")
    header, _lines = data_to_invoice_input(computed(credit))
    assert (header.invoice_type, header.original_invoice_number) == ("AVOIR", "F-1")
    assert (header.service_code, header.engagement_number) == ("SE-ACHATS", "1300012345")
    assert (header.market_number, header.billing_frame) == ("M-2026-017", "A1")


# --- the page ------------------------------------------------------------------------------------
@pytest.fixture
def as_supplier(client, personas):  # type: ignore[no-untyped-def]
    client.force_login(personas.supplier_principal)
    return client


def _post(client, personas, content: bytes, name: str, **fields: str):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"supplier": personas.acme.pk, "billing_frame": "A1", "invoice_type": "FACTURE"}
    data.update({"currency": "EUR", "vat_regime": "DEBITS", "payment_method": "VIREMENT"})
    data.update(fields)
    data["main_file"] = SimpleUploadedFile(name, content)
    return client.post(reverse("invoices:upload"), data)


def test_a_structured_file_is_reviewed_then_deposited_through_the_page(personas, as_supplier):
    content = cii_to_the_state(seller_siret=personas.acme.siret)
    response = _post(as_supplier, personas, content, "CII_example1.xml")
    draft = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("invoices:upload_review", args=[draft.pk])
    assert (draft.status, draft.deposit_mode) == (Status.BROUILLON, "UPLOAD_WEB")
    page = as_supplier.get(response["Location"]).content.decode()
    for shown in ("12115118", "FACTURES_PUBLIQUES", "250,33", "11000201100044", "CII_example1"):
        assert shown in page
    confirmed = as_supplier.post(reverse("invoices:upload_review", args=[draft.pk]))
    assert confirmed["Location"] == reverse("invoices:detail", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == Status.DEPOSEE
    assert stored_bytes(draft.attachments.get(kind=Attachment.Kind.MAIN)) == content


def test_a_refused_file_shows_each_rule_and_its_explanation_next_to_its_field(
    personas, as_supplier, media_root
):
    broken = cii_to_the_state(
        seller_siret=personas.acme.siret,
        service_code="INCONNU",
        change=set_cii("//ram:GrandTotalAmount", "250.34"),
    )
    response = _post(as_supplier, personas, broken, "facture.xml")
    assert response.status_code == 200
    html = response.content.decode()
    total = html[html.index('id="sf-total_incl_tax-problems"') :]
    assert "BR-CO-15" in total[:2000]
    assert "Le total TTC (BT-112) doit être exactement" in total[:2000]
    service = html[html.index('id="sf-service_code-problems"') :]
    assert "CHORUS" in service[:1500] and "BT-10" in service[:1500]
    assert 'aria-describedby="sf-total_incl_tax-problems"' in html
    assert html.index("Ce code service n") < html.index("BR-CO-15")  # the portal's rules first
    assert not Invoice.objects.exists() and stored_files(media_root) == []


def test_a_plain_pdf_still_needs_its_header_typed(personas, as_supplier):
    response = _post(as_supplier, personas, pdf_bytes(), "facture.pdf")
    assert response.status_code == 200
    assert "obligatoire pour une facture PDF simple" in response.content.decode()
    response = _post(
        as_supplier,
        personas,
        pdf_bytes(),
        "facture.pdf",
        number="PDF-1",
        issue_date="2026-01-15",
        recipient_siret="11000201100044",
        service_code="FACTURES_PUBLIQUES",
        iban="FR7630006000011234567890189",
        total_excl_tax="100",
        total_vat="20",
        total_incl_tax="120",
    )
    assert response.status_code == 302
    assert Invoice.objects.get().deposit_mode == "DEPOT_PDF_WEB"


@pytest.mark.parametrize(
    ("content", "name", "status", "words"),
    [
        (b"PK\x03\x04 not an invoice", "facture.docx", 415, "Seuls les fichiers PDF"),
        (b"<Invoice><unclosed></Invoice>", "facture.xml", 400, "mal formé"),
        (b"<note>hello</note>", "facture.xml", 400, "n'est pas une facture"),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(
    personas, as_supplier, content, name, status, words
):
    response = _post(as_supplier, personas, content, name)
    assert response.status_code == status
    assert words in response.content.decode().replace("&#x27;", "'")
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "agent"])
def test_nobody_else_sees_the_review_of_a_draft(personas, client, persona):
    draft = services.invoice_draft_structured_file(
        user=personas.supplier_principal,
        supplier=personas.acme,
        content=cii_to_the_state(seller_siret=personas.acme.siret),
        filename="f.xml",
    )
    client.force_login(getattr(personas, persona))
    url = reverse("invoices:upload_review", args=[draft.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Status.BROUILLON


def test_a_review_that_no_longer_passes_shows_the_problem_next_to_its_field(personas, as_supplier):
    draft = services.invoice_draft_structured_file(
        user=personas.supplier_principal,
        supplier=personas.acme,
        content=cii_to_the_state(seller_siret=personas.acme.siret),
        filename="f.xml",
    )
    personas.service.is_active = False
    personas.service.save()
    response = as_supplier.post(reverse("invoices:upload_review", args=[draft.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "n’est pas actif" in html or "n'est pas actif" in html.replace("&#x27;", "'")
    assert 'id="sf-service_code-problems"' in html
    draft.refresh_from_db()
    assert draft.status == Status.BROUILLON


def test_lines_that_the_portal_cannot_hold_exactly_stay_in_the_file(personas):
    content = cii_to_the_state(
        seller_siret=personas.acme.siret,
        change=lambda root: [
            element.set("unitCode", "KMT")  # kilometre: not a unit the portal offers
            for element in root.iter("{*}BilledQuantity")
        ],
    )
    invoice = _deposit(personas, content)
    assert invoice.status == Status.DEPOSEE
    assert not InvoiceLine.objects.filter(invoice=invoice).exists()
