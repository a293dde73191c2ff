"""Deposits in batches (invoices/services/batch.py, a flux's chunk): each invoice gets the very
verdict a single deposit gives it, the rows written are a single deposit's, and the batch costs
a fixed number of queries whatever its size."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from einvoice.validation import validate_file
from invoices import integrity, services
from invoices.models import (
    Attachment,
    DepositMode,
    Invoice,
    InvoiceLine,
    InvoiceType,
    StatusChange,
)
from invoices.services import FileDeposit, TypedDeposit, deposit_batch
from invoices.services.batch import _read_facts
from invoices.services.documents import deposit_manifest
from invoices.workflow import Status
from tests.invoices.factories import deposited, header, line
from tests.invoices.structured_files import cii_to_the_state, set_cii
from tests.utils.services import require_postgresql

pytestmark = pytest.mark.django_db


def one_at_a_time(personas, data, lines, user=None) -> Invoice:  # type: ignore[no-untyped-def]
    """The single deposit, step by step: the draft saved, then deposited (its own checks and
    writes, none of the batch's), in one transaction that a refusal rolls back."""
    user = user or personas.supplier_member
    with transaction.atomic():
        draft = services.invoice_save_draft(
            user=user, supplier=personas.acme, data=data, lines=lines,
            deposit_mode=DepositMode.SAISIE_API,
        )  # fmt: skip
        return services.invoice_deposit(user=user, invoice=draft)


def single_verdict(personas, data, lines, user=None) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The errors a single deposit refuses this input with."""
    try:
        one_at_a_time(personas, data, lines, user)
    except services.InvoiceError as exc:
        return exc.errors
    raise AssertionError(f"the single deposit accepted {data}")


def bad_inputs(personas):  # type: ignore[no-untyped-def]
    used = deposited(personas).number
    future = timezone.localdate() + timedelta(days=3)
    return {
        "unknown recipient": (header(recipient_siret="73282932000074"), [line()]),
        "no recipient": (header(recipient_siret=""), [line()]),
        "private recipient": (header(recipient_siret=personas.globex.identifier), [line()]),
        "unknown service": (header(service_code="NOPE"), [line()]),
        "number used": (header(number=used), [line()]),
        "future date": (header(issue_date=future), [line()]),
        "zero amount": (header(), [line(unit_price=Decimal("0"))]),
        "bad iban": (header(iban="FR0030006000011234567890189"), [line()]),
        "no lines": (header(), []),
        "bad vat rate": (header(), [line(vat_rate=Decimal("7"))]),
        "credit note without original": (header(invoice_type=InvoiceType.AVOIR), [line()]),
        "negative quantity": (header(), [line(quantity=Decimal("-1"))]),
        "control character": (header(), [line(description="a\x07b")]),
    }


def test_each_bad_invoice_gets_the_single_deposits_verdict(personas):
    cases = bad_inputs(personas)
    expected = {name: single_verdict(personas, d, lines) for name, (d, lines) in cases.items()}

    outcomes = deposit_batch(
        user=personas.supplier_member, supplier=personas.acme,
        deposits=[TypedDeposit(data, lines) for data, lines in cases.values()],
    )  # fmt: skip

    got = {name: outcome.errors for name, outcome in zip(cases, outcomes, strict=True)}
    assert got == expected
    assert all(errors for errors in got.values())
    assert not any(outcome.invoice for outcome in outcomes)


def test_a_depositor_without_the_right_gets_the_single_deposits_verdict(personas):
    data, lines = header(), [line()]
    expected = single_verdict(personas, data, lines, user=personas.pending_requester)

    [outcome] = deposit_batch(
        user=personas.pending_requester, supplier=personas.acme,
        deposits=[TypedDeposit(data, lines)],
    )  # fmt: skip

    assert outcome.errors == expected
    assert not Invoice.objects.filter(number=data.number).exists()


def test_a_number_used_twice_in_one_batch_is_refused_the_second_time(personas):
    first, second = header(number="B-1"), header(number="B-1")

    outcomes = deposit_batch(
        user=personas.supplier_member, supplier=personas.acme,
        deposits=[TypedDeposit(first, [line()]), TypedDeposit(second, [line()])],
    )  # fmt: skip

    assert outcomes[0].invoice is not None
    assert list(outcomes[1].errors) == ["number"]
    assert Invoice.objects.filter(number="B-1").count() == 1


def test_good_invoices_are_written_as_a_single_deposit_writes_them(personas):
    outcomes = deposit_batch(
        user=personas.supplier_member, supplier=personas.acme,
        deposits=[TypedDeposit(header(), [line(), line(quantity=Decimal("3"))]) for _ in range(3)],
    )  # fmt: skip
    single = one_at_a_time(personas, header(), [line(), line(quantity=Decimal("3"))])

    for outcome in outcomes:
        invoice = Invoice.objects.get(pk=outcome.invoice.pk)
        assert invoice.status == Status.DEPOSEE
        assert invoice.deposit_mode == DepositMode.SAISIE_API
        assert invoice.deposited_at is not None
        assert invoice.total_incl_tax == single.total_incl_tax
        assert [li.position for li in invoice.lines.order_by("position")] == [1, 2]
        history = list(StatusChange.objects.filter(invoice=invoice).order_by("id"))
        assert [(h.from_status, h.to_status) for h in history] == [
            ("", Status.BROUILLON), (Status.BROUILLON, Status.DEPOSEE),
        ]  # fmt: skip
        assert integrity.chain_problems(history) == []
        assert invoice.deposit_sha256 == deposit_manifest(invoice, change_id=history[1].pk)[0]
        [xml] = invoice.attachments.all()
        assert xml.kind == Attachment.Kind.GENERATED_XML
        assert xml.status_change_id == history[1].pk
        assert integrity.file_problems(
            pk=xml.pk, name=xml.file.name, sha256=xml.sha256, size=xml.size
        ) == []  # fmt: skip
    assert [(h.from_status, h.to_status) for h in single.history.order_by("id")] == [
        ("", Status.BROUILLON), (Status.BROUILLON, Status.DEPOSEE),
    ]  # fmt: skip


def test_a_batch_takes_a_fixed_number_of_queries_whatever_its_size(personas):
    # SQLite splits a bulk INSERT to stay under its limit of variables per statement.
    require_postgresql()

    def queries(count: int) -> int:
        deposits = [TypedDeposit(header(), [line(), line()]) for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            outcomes = deposit_batch(
                user=personas.supplier_member, supplier=personas.acme, deposits=deposits
            )
        assert all(outcome.invoice for outcome in outcomes)
        return len(captured.captured_queries)

    queries(1)  # warm-up: content types, reasons and the like cached
    assert queries(2) == queries(25)


def test_a_number_deposited_meanwhile_is_judged_again_not_a_failed_batch(personas, monkeypatch):
    """Another request deposits a number after the batch read the used ones: the unique
    constraint refuses the INSERT, and the batch judges again against the numbers now used."""
    from invoices.services import batch

    taken_meanwhile = header(number="RACE-1")
    reads = []

    def stale_then_fresh(user, supplier, deposits):  # type: ignore[no-untyped-def]
        facts = _read_facts(user, supplier, deposits)
        if not reads:  # the first read misses the deposit made "meanwhile"
            one_at_a_time(personas, taken_meanwhile, [line()])
        reads.append(facts)
        return facts

    monkeypatch.setattr(batch, "_read_facts", stale_then_fresh)

    outcomes = deposit_batch(
        user=personas.supplier_member, supplier=personas.acme,
        deposits=[TypedDeposit(header(number="RACE-1"), [line()]),
                  TypedDeposit(header(number="RACE-2"), [line()])],
    )  # fmt: skip

    assert len(reads) == 2
    assert list(outcomes[0].errors) == ["number"]
    assert outcomes[1].invoice is not None
    assert Invoice.objects.filter(number="RACE-1").count() == 1
    assert Invoice.objects.filter(number="RACE-2").count() == 1


# --- structured files ----------------------------------------------------------------------------
def file_deposit(content: bytes, name: str = "facture.xml") -> FileDeposit:
    return FileDeposit(report=validate_file(content, name), content=content, filename=name)


def single_file_verdict(personas, content: bytes):  # type: ignore[no-untyped-def]
    try:
        services.invoice_deposit_structured_file(
            user=personas.supplier_member, supplier=personas.acme, content=content,
            filename="facture.xml",
        )  # fmt: skip
    except services.StructuredFileRefused as exc:
        return exc.errors, [p.to_dict() for p in exc.preview.problems]
    except services.InvoiceError as exc:
        return exc.errors, None
    raise AssertionError("the single deposit accepted it")


def test_each_bad_file_gets_the_single_deposits_verdict(personas):
    siret = personas.acme.siret
    files = {
        "unknown service": cii_to_the_state(seller_siret=siret, service_code="NOPE"),
        "another seller": cii_to_the_state(seller_siret=personas.globex.siret),
        "broken rule": cii_to_the_state(
            seller_siret=siret, change=set_cii("//ram:InvoiceCurrencyCode", "XXX")
        ),
    }
    expected = {name: single_file_verdict(personas, content) for name, content in files.items()}

    outcomes = deposit_batch(
        user=personas.supplier_member, supplier=personas.acme,
        deposits=[file_deposit(content) for content in files.values()],
    )  # fmt: skip

    got = {
        name: (o.errors, [p.to_dict() for p in o.preview.problems] if o.preview else None)
        for name, o in zip(files, outcomes, strict=True)
    }
    assert got == expected
    assert not any(o.invoice for o in outcomes)


def test_a_good_file_is_kept_byte_for_byte_and_a_copy_in_the_batch_is_a_doublon(personas):
    content = cii_to_the_state(seller_siret=personas.acme.siret)

    first, again = deposit_batch(
        user=personas.supplier_member, supplier=personas.acme,
        deposits=[file_deposit(content), file_deposit(content)],
    )  # fmt: skip

    invoice = Invoice.objects.get(pk=first.invoice.pk)
    assert (invoice.status, invoice.deposit_mode) == (Status.DEPOSEE, DepositMode.UPLOAD_API)
    [main] = invoice.attachments.all()
    assert main.kind == Attachment.Kind.MAIN
    with main.file.open("rb") as stored:
        assert stored.read() == content
    change = invoice.history.get(to_status=Status.DEPOSEE)
    assert invoice.deposit_sha256 == deposit_manifest(invoice, change_id=change.pk)[0]
    assert again.invoice is None
    assert "number" in again.errors
    assert single_file_verdict(personas, content)[0] == again.errors


def test_a_new_typed_invoice_submitted_alone_is_a_batch_of_one(personas):
    """``invoice_submit`` of a new typed invoice (the API's POST): the batch's path, the same
    verdict and rows as the step-by-step deposit."""
    data = header(service_code="NOPE")
    expected = single_verdict(personas, data, [line()])
    with pytest.raises(services.InvoiceError) as refused:
        services.invoice_submit(
            user=personas.supplier_member, supplier=personas.acme, data=header(service_code="NOPE"),
            lines=[line()], deposit_mode=DepositMode.SAISIE_API,
        )  # fmt: skip
    assert refused.value.errors == expected

    invoice = services.invoice_submit(
        user=personas.supplier_member, supplier=personas.acme, data=header(), lines=[line()],
        deposit_mode=DepositMode.SAISIE_API,
    )  # fmt: skip

    assert invoice.status == Status.DEPOSEE
    history = list(invoice.history.order_by("id"))
    assert integrity.chain_problems(history) == []
    assert invoice.attachments.get().kind == Attachment.Kind.GENERATED_XML


# --- the rows written by COPY --------------------------------------------------------------------
def _rows_of(invoice_ids: list[int]) -> list[dict[str, object]]:
    """Every column of the batch's rows but those that differ from one deposit to the next
    (ids, times, the number and what covers it: hashes, the CII's name and digest)."""
    moving = {"id", "invoice", "invoice_id", "number", "created_at", "updated_at",
              "status_changed_at", "deposited_at", "deposit_sha256", "at", "previous_hash",
              "row_hash", "file", "original_name", "sha256", "status_change",
              "status_change_id", "uploaded_at"}  # fmt: skip
    rows: list[dict[str, object]] = []
    for model in (Invoice, InvoiceLine, StatusChange, Attachment):
        found = model.objects.filter(
            **{"pk__in" if model is Invoice else "invoice__in": invoice_ids}
        )
        for values in found.order_by("pk").values():
            rows.append(
                {k: v for k, v in values.items() if k not in moving} | {"_": model.__name__}
            )
    return rows


def test_copy_writes_the_rows_bulk_create_writes(personas, monkeypatch):
    """On PostgreSQL a batch's rows go by COPY (``invoices.services._rows``); column for column
    they are what ``bulk_create`` writes, the history chained, the summaries exact."""
    require_postgresql()
    from dashboards import summaries
    from invoices.services import _rows

    def batch() -> list[int]:
        lines = [line(), line(quantity=Decimal("3"), discount=Decimal("1.50"), reference="R\\\\t")]
        deposits = [TypedDeposit(header(comment="vu \\N\t1\r\nok «é» \\"), lines) for _ in range(3)]
        outcomes = deposit_batch(
            user=personas.supplier_member, supplier=personas.acme, deposits=deposits
        )
        return [outcome.invoice.pk for outcome in outcomes if outcome.invoice is not None]

    with CaptureQueriesContext(connection) as copied:
        by_copy = batch()
    assert sum("COPY" in q["sql"] for q in copied.captured_queries) == 4
    monkeypatch.setattr(_rows, "fast_path", lambda count: False)
    by_insert = batch()

    assert len(by_copy) == len(by_insert) == 3
    assert _rows_of(by_copy) == _rows_of(by_insert)
    stored = Invoice.objects.get(pk=by_copy[0])
    assert stored.comment == "vu \\N\t1\r\nok «é» \\"  # COPY's escapes undone
    assert stored.lines.get(position=2).reference == "R\\\\t"
    for pk in by_copy:
        invoice = Invoice.objects.get(pk=pk)
        history = list(invoice.history.order_by("id"))
        assert integrity.chain_problems(history) == []
        assert invoice.deposit_sha256 == deposit_manifest(invoice, change_id=history[1].pk)[0]
    assert summaries.differences() == []


@pytest.mark.parametrize("kind", [*Attachment.Kind.values, "UNKNOWN"])
def test_a_files_kind_is_named_as_its_display_names_it(kind: str) -> None:
    from invoices.services.documents import kind_label

    assert kind_label(kind) == Attachment(kind=kind).get_kind_display()


# --- one deposit's rows, in one message --------------------------------------------------------
# Quotes, percent signs, backslashes and line breaks: written as literals, not parameters.
COMMENT = "l'«é» %s %% \\N \\' E'x'\t\r\nfin"


def test_one_deposit_writes_in_one_message_the_rows_bulk_create_writes(personas, monkeypatch):
    """On PostgreSQL a single deposit takes its ids with its facts and writes its rows in one
    message (``_rows.insert_together``): column for column what ``bulk_create`` writes, each
    object saved with its id, the history chained, the summaries exact. No e-mail: the routing
    batch that claims it tells of it (tests/invoices/test_deposit_follow_ups.py)."""
    require_postgresql()
    from dashboards import summaries
    from invoices.services import _rows

    def one(number: str) -> Invoice:
        lines = [line(), line(quantity=Decimal("3"), reference="R'; --")]
        [outcome] = deposit_batch(
            user=personas.supplier_member, supplier=personas.acme,
            deposits=[TypedDeposit(header(number=number, comment=COMMENT), lines)],
        )  # fmt: skip
        assert outcome.invoice is not None
        return outcome.invoice

    with CaptureQueriesContext(connection) as written:
        together = one("ONE-1")
    [message] = [q["sql"] for q in written.captured_queries if "INSERT" in q["sql"]]
    assert message.startswith(f"SAVEPOINT {_rows.SAVEPOINT}")
    assert message.count("INSERT INTO") == 4  # invoice, lines, history, file
    assert together.pk and all(row.pk for row in together.lines.all())
    assert all(row.pk for row in together.attachments.all())
    monkeypatch.setattr(_rows, "reserves", lambda: False)
    apart = one("ONE-2")

    assert _rows_of([together.pk]) == _rows_of([apart.pk])
    assert Invoice.objects.filter(pk__in=[together.pk, apart.pk], deposit_untold=True).count() == 2
    stored = Invoice.objects.get(pk=together.pk)
    assert stored.comment == COMMENT
    assert stored.lines.get(position=2).reference == "R'; --"
    history = list(stored.history.order_by("id"))
    assert integrity.chain_problems(history) == []
    assert stored.deposit_sha256 == deposit_manifest(stored, change_id=history[1].pk)[0]
    assert summaries.differences() == []


def test_one_deposit_whose_number_is_taken_meanwhile_is_judged_again(personas, monkeypatch):
    """The single deposit's race: its message's savepoint gives back the refused INSERT (the
    caller's transaction still usable), and it is judged again against the numbers now used."""
    require_postgresql()
    from invoices.services import batch

    reads = []

    def stale_then_fresh(user, supplier, deposits):  # type: ignore[no-untyped-def]
        facts = _read_facts(user, supplier, deposits)
        if not reads:  # the first read misses the deposit made "meanwhile"
            one_at_a_time(personas, header(number="RACE-1"), [line()])
        reads.append(facts)
        return facts

    monkeypatch.setattr(batch, "_read_facts", stale_then_fresh)
    with transaction.atomic():
        [outcome] = deposit_batch(
            user=personas.supplier_member, supplier=personas.acme,
            deposits=[TypedDeposit(header(number="RACE-1"), [line()])],
        )  # fmt: skip
        assert Invoice.objects.filter(number="RACE-1").count() == 1  # the transaction goes on

    assert len(reads) == 2 and reads[0].ids is not None
    assert outcome.invoice is None
    assert list(outcome.errors) == ["number"]
    assert Invoice.objects.filter(number="RACE-1").count() == 1
