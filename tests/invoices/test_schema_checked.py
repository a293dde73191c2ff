"""One validation instead of two: an input the API's invoice schema validated (the flux's, the
API's ``POST /api/v1/invoices/``) is not checked again by the model for what that schema
proved (``build_draft``'s ``schema_checked``). These tests fail if the schema and the models
drift apart, and prove that a refused input gets the very errors of the full validation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import models
from rest_framework import serializers

from flux.judging import FluxInvoiceSerializer
from invoices.api.serializers import HeaderInputSerializer, LineInputSerializer
from invoices.inputs import InvoiceInput, LineInput
from invoices.models import Invoice, InvoiceLine
from invoices.services import TypedDeposit, deposit_batch
from invoices.services.deposit import LINE_SCHEMA_CHECKED, SCHEMA_CHECKED, SET_BY_THE_SERVICE
from tests.invoices.factories import GOOD_BIC, GOOD_IBAN, STATE_SIRET

LONG = "1" * 20


def _at_least_as_strict(schema: serializers.Field, column: models.Field) -> None:
    """Every value ``schema`` lets through is one ``column``'s validation accepts as is."""
    if isinstance(schema, serializers.ChoiceField):
        assert set(schema.choices) <= {value for value, _label in column.choices or ()}
    elif isinstance(schema, serializers.DecimalField):
        assert isinstance(column, models.DecimalField)
        # The schema rounds to its places: its digits are the column's at most, on each side.
        whole = schema.max_digits - schema.decimal_places
        assert schema.decimal_places <= column.decimal_places
        assert whole <= column.max_digits - column.decimal_places
    elif isinstance(schema, serializers.DateField):
        assert isinstance(column, models.DateField)
    else:
        assert isinstance(schema, serializers.CharField)
        assert isinstance(column, models.CharField | models.TextField)
        assert schema.max_length is not None
        assert column.max_length is None or schema.max_length <= column.max_length
        if not column.blank:
            assert not schema.allow_blank
    if not column.null:
        assert not schema.allow_null


@pytest.mark.parametrize("name", SCHEMA_CHECKED)
def test_the_schema_checks_each_header_field_as_strictly_as_the_model(name: str) -> None:
    _at_least_as_strict(HeaderInputSerializer().fields[name], Invoice._meta.get_field(name))


@pytest.mark.parametrize("name", LINE_SCHEMA_CHECKED)
def test_the_schema_checks_each_line_field_as_strictly_as_the_model(name: str) -> None:
    _at_least_as_strict(LineInputSerializer().fields[name], InvoiceLine._meta.get_field(name))


def test_what_the_service_sets_is_no_input() -> None:
    inputs = InvoiceInput.__dataclass_fields__.keys()
    assert not set(SET_BY_THE_SERVICE) & set(inputs)
    assert {f.name for f in Invoice._meta.fields} >= set(SET_BY_THE_SERVICE)


def test_the_fields_the_schema_allows_longer_are_checked() -> None:
    """The SIRETs and the IBAN: the schema takes 20 and 40 characters, the columns 14 and 34."""
    for name in ("recipient_siret", "validator_siret", "iban"):
        assert name not in SCHEMA_CHECKED
        schema = HeaderInputSerializer().fields[name]
        assert schema.max_length > Invoice._meta.get_field(name).max_length


def test_the_fields_the_draft_upper_cases_are_checked() -> None:
    """An upper-cased text may grow ("ß" is "SS"): the IBAN's and the BIC's length is the
    model's to check."""
    assert "ß".upper() == "SS"
    assert "iban" not in SCHEMA_CHECKED and "bic" not in SCHEMA_CHECKED


def _raw(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "supplier_siret": "0" * 14,
        "number": "SC-1",
        "issue_date": date.today().isoformat(),
        "recipient_siret": STATE_SIRET,
        "service_code": "FACTURES_PUBLIQUES",
        "iban": GOOD_IBAN,
        "bic": GOOD_BIC,
        "lines": [
            {"description": "Conseil", "quantity": "8", "unit_price": "150.00", "vat_rate": "20"}
        ],
    }
    values.update(overrides)
    return values


def _line(**overrides: Any) -> dict[str, Any]:
    return {"description": "Conseil", "quantity": "1", "unit_price": "10", "vat_rate": "20",
            **overrides}  # fmt: skip


# Inputs the schema accepts and the deposit refuses, many of them for the model's reasons.
REFUSED = {
    "SIRET too long": _raw(recipient_siret="1100020110004412345"),
    "validator SIRET too long": _raw(billing_frame="A9", validator_siret=LONG),
    "IBAN too long": _raw(iban="FR76 3000 6000 0112 3456 7890 1890 0000 0000"[:40]),
    "hidden character in the number": _raw(number="SC\u200b2"),
    "control character in the comment": _raw(comment="vu\x01"),
    "bidi control in the market": _raw(market_number="M\u202e1"),
    "hidden character in the EJ": _raw(engagement_number="EJ\ufeff"),
    "hidden character in the BIC": _raw(bic="BNP\u200bFRPP"),
    "BIC longer once upper-cased": _raw(bic="AGRIFRPPßßß"),
    "control character in a line": _raw(lines=[_line(description="a\x07b")]),
    "hidden character in a reference": _raw(lines=[_line(reference="R\u2060")]),
    "amounts too large": _raw(
        lines=[_line(quantity="9999999999.9999", unit_price="999999999999.9999")]
    ),
    "a line's net too large": _raw(lines=[_line(quantity="9999999999", unit_price="99999999999")]),
    "prepaid above the total": _raw(prepaid_amount="999999999999.99"),
    "negative quantity": _raw(lines=[_line(quantity="-1")]),
    "many faults at once": _raw(
        recipient_siret=LONG,
        iban="X" * 40,
        number="N\x03",
        comment="\x02",
        lines=[_line(description="\u200b", quantity="9999999999", unit_price="99999999999")],
    ),
}


def _deposit(raw: dict[str, Any], *, schema_checked: bool) -> TypedDeposit:
    values = FluxInvoiceSerializer().run_validation(raw)
    names = InvoiceInput.__dataclass_fields__.keys()
    header = InvoiceInput(**{k: v for k, v in values.items() if k in names})
    lines = [LineInput(**line) for line in values["lines"]]
    return TypedDeposit(data=header, lines=lines, schema_checked=schema_checked)


@pytest.mark.django_db
def test_a_refused_input_gets_the_same_errors_with_one_validation(personas):  # type: ignore[no-untyped-def]
    supplier_siret = personas.acme.identifier
    raws = [{**raw, "supplier_siret": supplier_siret} for raw in REFUSED.values()]

    def errors(schema_checked: bool) -> dict[str, dict[str, list[str]]]:
        outcomes = deposit_batch(
            user=personas.supplier_member, supplier=personas.acme,
            deposits=[_deposit(raw, schema_checked=schema_checked) for raw in raws],
        )  # fmt: skip
        assert all(outcome.invoice is None for outcome in outcomes)
        return {name: o.errors for name, o in zip(REFUSED, outcomes, strict=True)}

    full, once = errors(False), errors(True)
    assert once == full
    # The model's own refusals are among them, not only the deposit checks'.
    assert "recipient_siret" in full["SIRET too long"]
    assert "iban" in full["IBAN too long"]
    assert "lines.0.description" in full["control character in a line"]
    assert "number" in full["hidden character in the number"]
    assert "bic" in full["BIC longer once upper-cased"]
