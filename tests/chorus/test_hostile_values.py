"""Hostile values in forms, the API and query strings: each refused with a clear message on the
field it concerns, never a server error. Property tests (hypothesis) on the validators: whatever
the text, a SIRET, an IBAN or an amount is either refused or comes out clean (ASCII digits,
within the columns' range)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from stdnum import iban as stdnum_iban

from chorus import text
from invoices.api.serializers import LineInputSerializer
from invoices.checks import iban_is_valid
from invoices.forms import AmountField
from invoices.models import Invoice
from structures import siret
from structures.fields import clean_siret
from tests.api.conftest import token_for
from tests.chorus.test_access_matrix import LOGIN, MATRIX, PUBLIC, all_routes
from tests.invoices.factories import GOOD_IBAN, STATE_SIRET, entry_form

PROPERTIES = settings(max_examples=300, deadline=None, database=None)
# Digits, separators, look-alikes: where validators usually slip.
TRICKY = st.text(
    st.sampled_from(
        [
            *"0123456789 .-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefxyz,+eE",
            *("\u00a0", "\u202f", "\u202e", "\x00", "\u0661", "\uff13", "\u0663", "\u200b", "∞"),
        ]
    ),
    max_size=40,
)
ANY_TEXT = st.one_of(TRICKY, st.text(max_size=40))


# --- validators ---------------------------------------------------------------------------------
@PROPERTIES
@given(value=ANY_TEXT)
def test_a_siret_is_refused_or_comes_out_as_fourteen_checked_ascii_digits(value):
    try:
        cleaned = clean_siret(value)
    except ValidationError as exc:
        assert exc.messages and all(message.strip() for message in exc.messages)
        return
    assert len(cleaned) == 14 and cleaned.isascii() and cleaned.isdigit()
    assert siret.is_valid_fast(cleaned)


@PROPERTIES
@given(value=ANY_TEXT)
def test_an_accepted_iban_is_plain_ascii_that_stdnum_validates(value):
    if iban_is_valid(value):
        assert value.isascii() and stdnum_iban.is_valid(value)


def test_an_iban_written_with_full_width_digits_is_refused():
    assert iban_is_valid(GOOD_IBAN)
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    look_alike = GOOD_IBAN[:4] + GOOD_IBAN[4:9].translate(full_width) + GOOD_IBAN[9:]
    assert stdnum_iban.is_valid(look_alike)  # what made this check necessary
    assert not iban_is_valid(look_alike)


@PROPERTIES
@given(value=ANY_TEXT)
def test_an_amount_typed_in_a_form_is_refused_or_fits_its_column(value):
    field = AmountField(max_digits=14, decimal_places=2, required=False, min_value=0)
    try:
        amount = field.clean(value)
    except ValidationError as exc:
        assert exc.messages
        return
    assert amount is None or (amount.is_finite() and Decimal(0) <= amount < Decimal(10**12))


@PROPERTIES
@given(quantity=ANY_TEXT, price=ANY_TEXT, rate=ANY_TEXT)
def test_an_api_line_is_refused_field_by_field_or_has_finite_amounts(quantity, price, rate):
    data = {"description": "x", "quantity": quantity, "unit_price": price, "vat_rate": rate}
    line = LineInputSerializer(data=data)
    if not line.is_valid():
        assert set(line.errors) <= {"quantity", "unit_price", "vat_rate"}
        return
    values = line.validated_data
    assert all(values[name].is_finite() for name in ("quantity", "unit_price", "vat_rate"))


@PROPERTIES
@given(value=st.text(max_size=60))
def test_hidden_and_control_characters_are_named_in_the_message(value):
    message = text.text_error(value)
    refused = text.BIDI_CONTROLS | text.INVISIBLE
    hidden = [c for c in value if c in refused or ord(c) < 32 or 0x7F <= ord(c) <= 0x9F]
    if hidden:
        assert message is not None and f"U+{ord(hidden[0]):04X}" in message
    else:
        assert message is None


# --- the API ------------------------------------------------------------------------------------
def invoice_body(personas: Any, **changes: Any) -> dict[str, Any]:
    body = {
        "supplier_siret": personas.acme.identifier,
        "number": "H-1",
        "issue_date": datetime.date.today().isoformat(),
        "recipient_siret": STATE_SIRET,
        "service_code": "FACTURES_PUBLIQUES",
        "iban": GOOD_IBAN,
        "lines": [
            {"description": "Conseil", "quantity": "1", "unit_price": "10", "vat_rate": "20"}
        ],
    }
    body.update(changes)
    return body


def line(**changes: str) -> list[dict[str, str]]:
    values = {"description": "Conseil", "quantity": "1", "unit_price": "10", "vat_rate": "20"}
    return [{**values, **changes}]


UNICODE_TRICK = "invisible ou de contrôle"
HOSTILE = [
    ({"number": "F" * 21}, "number", "au plus 20"),
    ({"comment": "x" * 20_000}, "comment", "au plus 2000"),
    ({"lines": line(description="d" * 256)}, "lines.0.description", "au plus 255"),
    ({"lines": line(quantity="-3")}, "lines.0.quantity", "positive"),
    ({"lines": line(unit_price="-10")}, "lines.0.unit_price", "négatif"),
    ({"lines": line(quantity="NaN")}, "lines.0.quantity", "nombre valide"),
    ({"lines": line(quantity="1e999999")}, "lines.0.quantity", "14"),
    ({"lines": line(vat_rate="19.6")}, "lines.0.vat_rate", "Taux de TVA"),
    ({"lines": line(quantity="9999999999", unit_price="999999999999")}, "lines", "maximum"),
    ({"prepaid_amount": "-5"}, "prepaid_amount", ""),
    ({"issue_date": "2026-02-30"}, "issue_date", "format"),
    ({"issue_date": "0001-01-01"}, "issue_date", "antérieure à l’an 2000"),
    ({"issue_date": "9999-12-31"}, "issue_date", "futur"),
    ({"number": "F-\u202e1"}, "number", UNICODE_TRICK),
    ({"number": "F-\u200b1"}, "number", UNICODE_TRICK),
    ({"number": "F\x00"}, "number", "nul"),
    ({"lines": line(description="facture\u202egpj.exe")}, "lines.0.description", UNICODE_TRICK),
    ({"comment": "sonnerie\x07"}, "comment", UNICODE_TRICK),
    ({"iban": "FR76３０００６000011234567890189"}, "iban", "IBAN"),
    ({"recipient_siret": "١١٠٠٠٢٠١١٠٠٠٤٤"}, "recipient_siret", ""),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "field", "words"), HOSTILE)
def test_a_hostile_value_sent_to_the_api_is_refused_on_its_field(personas, changes, field, words):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(personas.supplier_principal)}")
    response = api.post("/api/v1/invoices/", invoice_body(personas, **changes), format="json")
    assert response.status_code == 400, response.content[:300]
    errors = response.json()["errors"]
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert not Invoice.objects.exists()


def test_a_comment_may_hold_line_breaks_tabs_right_to_left_text_and_emoji():
    comments = ("Première ligne\r\n\tseconde ligne", "שלום \u202e", "famille 👨\u200d👩\u200d👧")
    for comment in comments:
        assert text.text_error(comment, multiline=True) is None
    assert text.text_error("Première ligne\nseconde", multiline=False) is not None
    assert text.text_error("famille 👨\u200d👩", multiline=False) is not None


# --- the pages ----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"number": "F-\u202e1"}, UNICODE_TRICK),
        ({"lines-0-description": "a\u200bb"}, UNICODE_TRICK),
        ({"lines-0-quantity": "1e999999"}, "chiffres"),
        ({"lines-0-quantity": "9 999 999 999", "lines-0-unit_price": "999999999999"}, "maximum"),
        ({"issue_date": "1990-01-01"}, "antérieure à l’an 2000"),
        ({"number": "N" * 500}, "20 caractères"),
        ({"number": "A\x00B"}, "nul"),
    ],
)
def test_a_hostile_value_typed_in_the_entry_page_is_shown_as_an_error(
    client, personas, changes, words
):
    client.force_login(personas.supplier_principal)
    response = client.post(reverse("invoices:create"), entry_form(personas, **changes))
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_names_with_hidden_characters_are_refused_at_registration(client):
    response = client.post(
        reverse("accounts:register"),
        {
            "email": "nouveau@example.test",
            "first_name": "Jean\u202e",
            "last_name": "Dupont",
            "password1": "un mot de passe solide 42",
            "password2": "un mot de passe solide 42",
            "accept_terms": "on",
        },
    )
    assert response.status_code in (200, 400)
    assert UNICODE_TRICK in response.content.decode()


QUERY_POISON = {
    name: "\x00\u202e' OR 1=1 --"
    for name in ("q", "siret", "number", "status", "page", "page_size", "ordering", "direction")
} | {"issued_from": "2026-13-45", "amount_min": "NaN", "tab": "\x00"}


def pages_without_parameters() -> list[str]:
    plain = {name for name, _pattern, params in all_routes() if not params}
    return sorted(
        name
        for name, route in MATRIX.items()
        if name in plain and route.access in (PUBLIC, LOGIN) and route.method == "get"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", pages_without_parameters())
def test_poisoned_query_strings_never_break_a_page(client, personas, name):
    client.force_login(personas.supplier_principal)
    response = client.get(reverse(name), QUERY_POISON)
    assert response.status_code < 500
    if response.streaming:
        b"".join(response.streaming_content)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/invoices/", "/api/v1/structures/", "/api/v1/rejection-reasons/"]
)
def test_poisoned_query_strings_are_api_errors_not_server_errors(personas, path):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(personas.supplier_principal)}")
    response = api.get(path, QUERY_POISON)
    assert response.status_code in (200, 400, 404), response.content[:300]
