"""The CII written directly (``build_cii``) is the one the factur-x library writes for the same
data (``library_cii``), byte for byte, and passes the XSD and the EN 16931 schematron."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from einvoice.data import (
    TYPE_CREDIT_NOTE,
    InvoiceData,
    InvoiceDataError,
    Note,
    Party,
    PaymentMeans,
    Totals,
)
from einvoice.facturx import build_cii, library_cii
from einvoice.validation import validate_file

from .samples import BUYER, SELLER, invoice, line, varied_invoices

D = Decimal


def _prepaid(amount: str) -> Totals:
    # ``computed`` keeps only the prepaid amount of the totals it is given.
    zero = D("0")
    return Totals(zero, zero, zero, zero, zero, prepaid_amount=D(amount))


VARIANTS: dict[str, InvoiceData] = {
    **varied_invoices(),
    "no_payment_means": invoice(payment_means=None),
    "cheque": invoice(payment_means=PaymentMeans(code="20")),
    "account_name_no_bic": invoice(
        payment_means=PaymentMeans(
            code="30", iban="FR7630006000011234567890189", account_name="ACME compte courant"
        )
    ),
    "iban_not_valid": invoice(payment_means=PaymentMeans(code="58", iban="XX00NOTANIBAN")),
    "due_date_without_terms": invoice(payment_terms=""),
    "terms_without_due_date": invoice(due_date=None),
    "neither_terms_nor_due_date": invoice(payment_terms="", due_date=None),
    "no_references": invoice(
        buyer_reference="",
        purchase_order_reference="",
        contract_reference="",
        business_process="",
    ),
    "parties_variety": invoice(
        seller=dataclasses.replace(
            SELLER,
            electronic_address="73282932000074",
            electronic_address_scheme="0009",
            address_lines=("1 rue A", "Bât. B", "Escalier C"),
        ),
        buyer=dataclasses.replace(BUYER, siret="", siren="110002011", vat_id="FR12110002011"),
    ),
    "party_without_legal_id_nor_address": invoice(
        buyer=Party(name="Acheteur sans identifiant", country_code="")
    ),
    "electronic_address_without_scheme": invoice(
        buyer=dataclasses.replace(BUYER, electronic_address="achats@exemple.gouv.fr")
    ),
    "line_details": invoice(
        lines=(
            line(
                "1",
                "3",
                "19.99",
                description="Ramettes A4 80 g",
                seller_item_id="RAM-A4",
                unit_code="H87",
                allowance_amount=D("1.50"),
            ),
            line("2", "0.25", "1000.5", vat_rate=D("5.5"), description="<Étude> & «analyse»"),
        )
    ),
    "categories_without_vat": invoice(
        lines=(
            line("1", "1", "100", vat_category="AE", vat_rate=None),
            line("2", "1", "200", vat_category="K", vat_rate=None),
            line("3", "1", "300", vat_category="G", vat_rate=None),
            line("4", "1", "400", vat_category="O", vat_rate=None),
        )
    ),
    "prepaid": invoice(totals=_prepaid("12.34")),
    "notes_without_subject": invoice(notes=(Note("Merci de votre confiance."),)),
    "credit_note_without_preceding_date": invoice(
        type_code=TYPE_CREDIT_NOTE, preceding_invoice="F-1", preceding_invoice_date=None
    ),
    "credit_note_without_delivery_date": invoice(
        type_code=TYPE_CREDIT_NOTE,
        preceding_invoice="F-1",
        preceding_invoice_date=datetime.date(2026, 1, 5),
        delivery_date=None,
    ),
    "escapes": invoice(
        number="F&<1>",
        payment_terms="Ligne 1\r\nLigne 2\t« fin » \"'",
        lines=(line("1", "1", "10", name="A & B <c>", unit_code='H"87&'),),
    ),
    "other_currency": invoice(currency="USD"),
    "many_lines": invoice(lines=tuple(line(str(n), str(n), "1.1") for n in range(1, 60))),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_the_cii_is_the_librarys_byte_for_byte(name):
    assert build_cii(VARIANTS[name]) == library_cii(VARIANTS[name])


# Valid EN 16931 invoices among the variants (the others are there for their shape only).
VALID = ["no_references", "line_details", "prepaid", "many_lines", "parties_variety",
         "account_name_no_bic", "terms_without_due_date"]  # fmt: skip


@pytest.mark.parametrize("name", VALID)
def test_the_cii_passes_xsd_and_the_en16931_schematron(name):
    report = validate_file(build_cii(VARIANTS[name]), "facture.xml")
    assert (report.format, report.profile) == ("CII", "EN16931")
    assert report.errors == (), [f.to_dict() for f in report.errors]


@pytest.mark.parametrize(
    "data",
    [
        invoice(currency="ZZZ"),
        invoice(number=""),
        invoice(number="F-\x01"),
        invoice(lines=(line("1", "1", "10", name=""),)),
        invoice(lines=(line("", "1", "10"),)),
        invoice(lines=(line("1", "1", "10", unit_code=""),)),
        invoice(payment_means=PaymentMeans(code="30")),
        invoice(lines=()),
        invoice(lines=(line("1", "1", "10", unit_code="H\x0b"),)),
        invoice(payment_terms="\ufffe"),
    ],
    ids=[
        "currency",
        "number",
        "control",
        "line-name",
        "line-id",
        "unit",
        "iban",
        "no-line",
        "control-attribute",
        "non-character",
    ],
)
def test_what_the_library_refuses_is_refused(data):
    with pytest.raises(InvoiceDataError):
        library_cii(data)
    with pytest.raises(InvoiceDataError):
        build_cii(data)


_text = st.text(
    st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from("\t\n\r&<>\"'"), max_size=12
)
_amount = st.decimals(min_value=D("0.01"), max_value=D("99999"), places=2)


@st.composite
def _invoices(draw: st.DrawFn) -> InvoiceData:
    lines = tuple(
        line(str(n + 1), str(draw(st.decimals(D("0.5"), D("500"), places=1))),
             str(draw(_amount)), name=draw(_text) or "Article",
             description=draw(_text), seller_item_id=draw(_text),
             allowance_amount=draw(st.sampled_from([D("0"), D("0.50")])),
             vat_rate=draw(st.sampled_from([D("20"), D("5.5"), D("10"), D("2.1")])))
        for n in range(draw(st.integers(1, 4)))
    )  # fmt: skip
    means = draw(
        st.sampled_from(
            [None, PaymentMeans(code="20"),
             PaymentMeans(code="30", iban="FR7630006000011234567890189", bic="AGRIFRPP")]
        )
    )  # fmt: skip
    return invoice(
        number=draw(_text) or "F-1", buyer_reference=draw(_text),
        purchase_order_reference=draw(_text), contract_reference=draw(_text),
        business_process=draw(st.sampled_from(["", "A1", "A9"])), payment_terms=draw(_text),
        due_date=draw(st.sampled_from([None, datetime.date(2026, 5, 1)])),
        delivery_date=draw(st.sampled_from([None, datetime.date(2026, 2, 1)])),
        notes=tuple(Note(draw(_text) or "n", draw(st.sampled_from(["", "AAB"])))
                    for _ in range(draw(st.integers(0, 2)))),
        seller=dataclasses.replace(SELLER, name=draw(_text) or "S", city=draw(_text)),
        payment_means=means, lines=lines,
    )  # fmt: skip


@settings(max_examples=80, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(data=_invoices())
def test_any_invoice_is_written_as_the_library_writes_it(data):
    try:
        expected = library_cii(data)
    except InvoiceDataError:
        with pytest.raises(InvoiceDataError):
            build_cii(data)
        return
    assert build_cii(data) == expected
