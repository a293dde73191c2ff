"""The API's shortened paths give DRF's and the ORM's own results (issue 15, the single API
deposit): serializers whose fields are built once per process (chorus/api/serializing.py), and
reads whose SQL is compiled once (chorus/prepared.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import exceptions

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import ApiToken
from chorus.api.serializing import represent, represent_many, validated
from chorus.models import IdempotencyKey
from chorus.prepared import PreparedQuery, read_together
from invoices.api import selectors as api_selectors
from invoices.api.serializers import InvoiceDetailSerializer, InvoiceSerializer
from invoices.api.views import InvoicesApi
from invoices.models import Attachment, Invoice, InvoiceLine
from invoices.selectors import may_modify_for, members_by_structure
from invoices.workflow import Status
from structures.models import Membership
from tests.api.conftest import token_for
from tests.api.test_drafts_and_credit_notes import credit_note_body
from tests.api.test_writes import invoice_body
from tests.invoices.factories import deposited
from tests.utils.services import require_postgresql

pytestmark = pytest.mark.django_db


# --- serializers built once ---------------------------------------------------------------------
def test_an_invoice_is_written_as_its_serializer_writes_it(personas, client_for):
    original = deposited(personas, number="F-FAST-1")
    client = client_for(personas.supplier_principal)
    note = client.post(
        "/api/v1/invoices/", credit_note_body(personas, original_invoice_number="F-FAST-1"),
        format="json",
    )  # fmt: skip
    assert note.status_code == 201

    for pk in (original.pk, note.json()["id"]):
        invoice = api_selectors.invoice_detail(personas.supplier_principal, pk)
        expected = InvoiceDetailSerializer(invoice).data
        assert represent(InvoiceDetailSerializer, invoice) == expected
        # The credit note's link, the lines, the files and the VAT are all there.
        assert expected["lines"] and expected["vat_breakdown"]
    assert represent(InvoiceDetailSerializer, original)["credit_notes"] == [note.json()["id"]]
    invoices = list(Invoice.objects.filter(supplier=personas.acme).order_by("pk"))
    listed = InvoiceSerializer(invoices, many=True).data
    assert represent_many(InvoiceSerializer, invoices) == listed


@pytest.mark.parametrize("code", [*Status.values, "INCONNU"])
def test_the_status_label_is_the_one_django_displays(code):
    invoice = Invoice(status=code)
    assert invoice.status_label == invoice.get_status_display()
    field = InvoiceSerializer().fields["status_label"]
    assert field.to_representation(field.get_attribute(invoice)) == invoice.get_status_display()


def test_the_answer_to_a_deposit_is_the_invoice_read_again(personas, client_for):
    """Byte for byte, though the answer is made of the rows the deposit wrote (left in the
    invoice's prefetch cache), not read back: the lines in their order, decimals as stored."""
    client = client_for(personas.supplier_principal)
    lines = [
        {"description": "Troisième", "quantity": "1.5", "unit_price": "10.333", "vat_rate": "5.5"},
        {"description": "Première", "quantity": "3", "unit_price": "0.10", "vat_rate": "20"},
        {"description": "Seconde", "quantity": "0.25", "unit_price": "1234.5", "vat_rate": "0"},
    ]

    response = client.post("/api/v1/invoices/", invoice_body(personas, lines=lines), format="json")

    assert response.status_code == 201, response.json()
    read_again = client.get(f"/api/v1/invoices/{response.json()['id']}/")
    assert response.content == read_again.content
    answer = response.json()
    assert [line["description"] for line in answer["lines"]] == [
        "Troisième",
        "Première",
        "Seconde",
    ]
    assert [a["kind"] for a in answer["attachments"]] == ["GENERATED_XML"]


@pytest.mark.parametrize(
    "data",
    [
        {"supplier_siret": "123", "lines": [{"description": "", "quantity": "x"}]},
        {"supplier_siret": "12345678901234", "number": "N" * 30, "currency": "XXX"},
        {"supplier_siret": "12345678901234", "lines": "not a list"},
        [],
        None,
        "text",
    ],
)
def test_a_refused_input_gets_drfs_own_errors(data):
    serializer = InvoicesApi.InputSerializer(data=data)
    assert not serializer.is_valid()

    with pytest.raises(exceptions.ValidationError) as refused:
        validated(InvoicesApi.InputSerializer, data)

    assert refused.value.detail == serializer.errors


def test_an_accepted_input_gets_drfs_own_values(personas):
    data = invoice_body(personas, comment="  espaces  ", lines=[
        {"description": " Conseil ", "quantity": "2.5", "unit_price": "150", "vat_rate": "20"},
    ])  # fmt: skip
    serializer = InvoicesApi.InputSerializer(data=data)
    assert serializer.is_valid()

    values = validated(InvoicesApi.InputSerializer, data)

    assert values == serializer.validated_data
    assert values["lines"][0]["quantity"] == Decimal("2.5")
    assert values["lines"][0]["discount"] == Decimal("0")
    assert values["comment"] == "espaces"


# --- SQL compiled once ------------------------------------------------------------------------
def test_a_prepared_query_reads_what_its_queryset_reads(personas):
    digest = account_services.api_token_digest(token_for(personas.supplier_principal))
    token = ApiToken.objects.get(key_sha256=digest)
    now = timezone.now()

    with CaptureQueriesContext(connection) as queries:
        found = account_selectors.api_token_by_digest(digest)
    assert found is not None and len(queries.captured_queries) == 1
    expected = account_selectors._active_tokens(digest, now).get()
    # The same row, with its user read by the same join (select_related: no further query).
    assert [(f.attname, getattr(found, f.attname)) for f in ApiToken._meta.concrete_fields] == [
        (f.attname, getattr(expected, f.attname)) for f in ApiToken._meta.concrete_fields
    ]
    with CaptureQueriesContext(connection) as queries:
        assert found.user.email == personas.supplier_principal.email
    assert queries.captured_queries == []

    # Other values, other rows: an unknown digest, a token revoked or expired since.
    assert account_selectors.api_token_by_digest("0" * 64) is None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=now - timedelta(seconds=1))
    assert account_selectors.api_token_by_digest(digest) is None


def test_a_prepared_query_converts_its_values_as_django_does(personas):
    user = personas.supplier_principal
    IdempotencyKey.objects.create(
        user=user, key="k", request_sha256="s", status_code=201, response_body={"a": [1, "b"]}
    )
    prepared = PreparedQuery(
        lambda user_id: IdempotencyKey.objects.filter(user_id=user_id).order_by("pk"), -1
    )

    [record] = prepared(user.pk)

    assert record.response_body == {"a": [1, "b"]}  # a JSON field, decoded
    assert record.created_at == IdempotencyKey.objects.get().created_at
    assert prepared(user.pk + 1000) == []


# With prepared statements on, the same SQL is prepared: tests/chorus/test_prepared_statements.py
@override_settings(DATABASE_PREPARED_STATEMENTS=False)
def test_a_prepared_query_runs_the_sql_of_its_queryset(personas):
    def build(user_id: int):  # type: ignore[no-untyped-def]
        return IdempotencyKey.objects.filter(user_id=user_id).order_by("pk")

    prepared = PreparedQuery(build, -1)
    with CaptureQueriesContext(connection) as queries:
        prepared(personas.supplier_principal.pk)
    with CaptureQueriesContext(connection) as expected:
        list(build(personas.supplier_principal.pk))

    assert [q["sql"] for q in queries.captured_queries] == [
        q["sql"] for q in expected.captured_queries
    ]


@pytest.mark.parametrize(
    "build",
    [
        lambda v: IdempotencyKey.objects.filter(user_id=v).exclude(user_id=v),  # twice
        lambda v: IdempotencyKey.objects.filter(user_id=1),  # never
        lambda v: IdempotencyKey.objects.filter(status_code=v),  # -1: no status matches, no SQL
    ],
)
def test_a_placeholder_must_reach_the_sql_once(build):
    require_postgresql()  # elsewhere the QuerySet is evaluated as it is
    with pytest.raises(ValueError, match="once"):
        PreparedQuery(build, -1)(5)


def test_a_supplier_is_read_with_its_active_accounts_and_only_its_own(personas):
    from tests.api.test_writes import bank_account

    user, acme = personas.supplier_principal, personas.acme
    active = bank_account(acme)
    bank_account(acme, iban="BE68539007547034", is_active=False)
    bank_account(personas.globex)  # another structure's

    with CaptureQueriesContext(connection) as queries:
        supplier, accounts = api_selectors.supplier_with_accounts(user, acme.identifier)
    assert supplier == api_selectors.supplier_of(user, acme.identifier) == acme
    assert [(a.pk, a.iban, a.bic) for a in accounts] == [(active.pk, active.iban, active.bic)]
    assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    # A structure the user does not belong to: neither it nor its accounts.
    assert api_selectors.supplier_with_accounts(user, personas.globex.identifier) == (None, [])


def test_a_prepared_exists_answers_as_exists(personas):
    supplier, acme = personas.supplier_principal, personas.acme
    memberships = Membership.objects.filter(user=supplier, structure=acme)
    assert may_modify_for(supplier, acme) is True
    assert may_modify_for(personas.outsider, acme) is False

    memberships.update(can_modify=False)
    assert may_modify_for(supplier, acme) is False
    memberships.update(can_modify=True, status=Membership.Status.PENDING)
    assert may_modify_for(supplier, acme) is False


def test_one_structures_members_are_read_as_several_structures_are(personas):
    acme, state = personas.acme, personas.state
    alone = members_by_structure({acme.pk})
    together = members_by_structure({acme.pk, state.pk})

    assert alone[acme.pk] and alone == {acme.pk: together[acme.pk]}
    assert members_by_structure(set()) == {}


def test_a_created_invoice_whose_rows_are_in_hand_is_not_read_again(personas):
    invoice = deposited(personas, number="F-FAST-2")
    parties = Invoice.objects.select_related("supplier", "recipient", "validator")
    in_hand = parties.prefetch_related("lines", "attachments").get(pk=invoice.pk)
    read = api_selectors.invoice_created_detail(Invoice.objects.get(pk=invoice.pk))

    with CaptureQueriesContext(connection) as queries:
        api_selectors.invoice_created_detail(in_hand)
        answer = represent(InvoiceDetailSerializer, in_hand)

    assert queries.captured_queries == []
    assert answer == represent(InvoiceDetailSerializer, read)


def test_prepared_reads_together_take_one_round_trip(personas):
    require_postgresql()  # elsewhere each read is its QuerySet, one round trip each
    invoice = deposited(personas, number="F-FAST-3")
    lines = PreparedQuery(
        lambda pk: InvoiceLine.objects.filter(invoice_id=pk).order_by("position"), -1
    )
    files = PreparedQuery(lambda pk: Attachment.objects.filter(invoice_id=pk).order_by("id"), -1)

    with CaptureQueriesContext(connection) as queries:
        together = read_together((lines, (invoice.pk,)), (files, (invoice.pk,)), (lines, (-5,)))

    assert len(queries.captured_queries) == 1
    assert together == [lines(invoice.pk), files(invoice.pk), []]
    assert together[0] and together[1]
    assert [line.description for line in together[0]] == list(
        invoice.lines.order_by("position").values_list("description", flat=True)
    )


def test_reads_together_write_their_values_in_as_psycopg_binds_them(personas):
    """``read_together`` sends its reads with their values written in (no parameters): the
    same rows as each read run alone with parameters, whatever the values hold (quotes, ``%s``,
    backslashes) and where Django's SQL has a ``%`` of its own (``%%``: a modulo)."""
    require_postgresql()
    from django.db.models import F

    from structures.models import Structure

    acme = personas.acme
    by_name = PreparedQuery(lambda name: Structure.objects.filter(name=name), "\x00name")
    itself = PreparedQuery(
        lambda pk: Structure.objects.filter(pk=pk, id=F("id") % 1_000_000_000), -1
    )  # "id" = ("id" %% %s)
    odd = "l'«é» %s %% \\N E'x'"
    Structure.objects.filter(pk=acme.pk).update(name=odd)

    together = read_together((by_name, (odd,)), (itself, (acme.pk,)), (by_name, ("%",)))

    assert together == [by_name(odd), itself(acme.pk), []]
    assert [s.pk for s in together[0]] == [s.pk for s in together[1]] == [acme.pk]


def test_a_read_in_sql_goes_with_the_others_and_gives_its_rows(personas):
    """``PreparedSQL`` (what no QuerySet says: a single deposit's ids, ``_rows.ids_read``) is
    sent with the prepared reads in the same round trip; alone, it runs as one query."""
    require_postgresql()
    from invoices.services import _rows

    invoice = deposited(personas, number="F-FAST-4")
    lines = PreparedQuery(
        lambda pk: InvoiceLine.objects.filter(invoice_id=pk).order_by("position"), -1
    )
    ids, values = _rows.ids_read([(Invoice, 1), (InvoiceLine, 3)])

    with CaptureQueriesContext(connection) as queries:
        found, taken = read_together((lines, (invoice.pk,)), (ids, tuple(values)))

    assert len(queries.captured_queries) == 1
    assert found == lines(invoice.pk) != []
    [[invoice_id], line_ids] = _rows.ids_of(taken)
    assert invoice_id > invoice.pk and len(line_ids) == 3 == len(set(line_ids))
    assert _rows.ids_of(ids(*values))[0][0] > invoice_id  # alone: the sequence's next ones
