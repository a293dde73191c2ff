"""Routing in batches, run in this process: a batch claims waiting invoices, moves each as far as
it can in one transaction, chains their history, and tells each supplier and each service once
per event (a digest), while a lone invoice keeps its own notice."""

from __future__ import annotations

import threading
from datetime import timedelta
from itertools import groupby

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chorus.models import OutgoingEmail
from invoices import integrity, services, tasks
from invoices.models import Invoice, StatusChange
from invoices.workflow import Status
from tests.invoices.factories import deposited, deposited_in_bulk
from tests.utils.services import require_postgresql
from tests.utils.transactions import held_open

pytestmark = pytest.mark.django_db


def routing_history(ids: list[int]) -> dict[int, list[str]]:
    rows = StatusChange.objects.filter(invoice_id__in=ids).order_by("invoice_id", "id")
    return {
        invoice_id: [row.to_status for row in history]
        for invoice_id, history in groupby(rows, key=lambda row: row.invoice_id)
    }


def test_a_batch_routes_every_waiting_invoice_with_one_history_row_per_step(personas):
    invoices = deposited_in_bulk(personas, 30)
    ids = [invoice.pk for invoice in invoices]
    batch = services.invoices_route_batch(limit=100)
    assert batch.reached == dict.fromkeys(ids, Status.MISE_A_DISPOSITION)
    assert not batch.full
    for steps in routing_history(ids).values():
        assert steps == [Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT, Status.MISE_A_DISPOSITION]
    for invoice in Invoice.objects.filter(pk__in=ids):
        assert invoice.made_available_at is not None
        assert integrity.chain_problems(invoice.history.order_by("id")) == []
    call_command("verify_integrity")  # exits 1 on any broken chain


def test_a_batch_claims_at_most_its_size_and_the_next_takes_the_rest(personas):
    ids = [invoice.pk for invoice in deposited_in_bulk(personas, 7)]
    first = services.invoices_route_batch(limit=5)
    assert (len(first.reached), first.full) == (5, True)
    second = services.invoices_route_batch(limit=5)
    assert (len(second.reached), second.full) == (2, False)
    assert set(first.reached) | set(second.reached) == set(ids)
    assert services.invoices_route_batch(limit=5).reached == {}


def test_each_invoice_of_a_batch_gets_its_own_routing_decision(personas):
    good, closed = deposited_in_bulk(personas, 2, prefix="G-")
    closed_service = personas.service.__class__.objects.create(
        structure=personas.state, code="FERME", name="Fermé", is_active=False
    )
    Invoice.objects.filter(pk=closed.pk).update(service=closed_service, service_code="FERME")
    batch = services.invoices_route_batch(limit=10)
    assert batch.reached == {good.pk: Status.MISE_A_DISPOSITION, closed.pk: Status.A_RECYCLER}
    sent_back = StatusChange.objects.get(invoice=closed, to_status=Status.A_RECYCLER)
    assert (sent_back.reason.code, sent_back.actor_system) == ("SE_EJ_INCORRECT", "routage")
    closed.refresh_from_db()
    assert closed.made_available_at is None


def test_a_batch_of_one_supplier_sends_one_digest_per_event_to_each_reader(personas):
    ids = [invoice.pk for invoice in deposited_in_bulk(personas, 40)]
    services.invoices_route_batch(limit=100)
    # Acme's two users: one digest per new status; the service's agent: one digest.
    emails = list(OutgoingEmail.objects.order_by("to", "subject"))
    assert len(emails) == 5
    assert sorted(email.to for email in emails) == [
        "agent@etat.test",
        "member@acme.test",
        "member@acme.test",
        "principal@acme.test",
        "principal@acme.test",
    ]
    numbers = Invoice.objects.filter(pk__in=ids).values_list("number", flat=True)
    for email in emails:
        assert email.subject.startswith("40 factures")
        assert all(number in email.body for number in numbers)


def test_a_lone_invoice_still_gets_its_own_notice(personas):
    invoice = deposited(personas)
    already = set(OutgoingEmail.objects.values_list("key", flat=True))
    services.invoices_route_batch(limit=100)
    new = OutgoingEmail.objects.exclude(key__in=already)
    assert {email.subject for email in new if email.to == "principal@acme.test"} == {
        f"Facture {invoice.number} : En cours d'acheminement",
        f"Facture {invoice.number} : Mise à disposition du destinataire",
    }
    assert new.get(to="agent@etat.test").subject == (
        f"Facture {invoice.number} de {personas.acme.name} à traiter"
    )
    assert tasks.notify_emails(list(new.values_list("key", flat=True))) == 5
    assert len(mail.outbox) == 5


def test_the_queries_of_a_batch_do_not_grow_with_its_size(personas):
    deposited_in_bulk(personas, 3, prefix="S-")
    with CaptureQueriesContext(connection) as small:
        services.invoices_route_batch(limit=100)
    deposited_in_bulk(personas, 60, prefix="L-")
    with CaptureQueriesContext(connection) as large:
        services.invoices_route_batch(limit=100)
    assert len(large.captured_queries) <= len(small.captured_queries)
    assert len(large.captured_queries) <= 16


def test_a_deposit_asks_for_a_routing_batch_and_names_no_invoice(
    personas, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[tuple] = []
    monkeypatch.setattr(tasks.route_batch, "apply_async", lambda *a, **k: sent.append(a))
    with django_capture_on_commit_callbacks(execute=True):
        deposited(personas)
    assert sent == [()]


def test_deposits_share_one_wake_until_a_batch_starts(
    personas, shared_cache, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.INVOICE_ROUTING_DELAY = 0
    sent: list[tuple] = []
    monkeypatch.setattr(tasks.route_batch, "apply_async", lambda *a, **k: sent.append(a))
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            deposited(personas)
    assert len(sent) == 1
    monkeypatch.setattr(tasks.route_batch, "apply_async", lambda *a, **k: None)
    assert tasks.route_batch() == 3  # the batch clears the key first
    monkeypatch.setattr(tasks.route_batch, "apply_async", lambda *a, **k: sent.append(a))
    with django_capture_on_commit_callbacks(execute=True):
        deposited(personas)
    assert len(sent) == 2


def test_a_full_batch_asks_for_another_so_that_other_workers_join(personas, monkeypatch, settings):
    settings.INVOICE_ROUTING_DELAY = 0
    settings.INVOICE_ROUTING_BATCH_SIZE = 4
    deposited_in_bulk(personas, 6)
    asked: list[tuple] = []
    monkeypatch.setattr(tasks.route_batch, "apply_async", lambda *a, **k: asked.append(a))
    assert tasks.route_batch() == 4
    assert asked == [()]
    assert tasks.route_batch() == 2
    assert asked == [()]


def test_the_sweep_wakes_one_batch_for_any_number_of_stuck_invoices(personas, monkeypatch):
    deposited_in_bulk(personas, 12)
    Invoice.objects.update(status_changed_at=timezone.now() - timedelta(hours=1))
    asked: list[tuple] = []
    monkeypatch.setattr(tasks.route_batch, "apply_async", lambda *a, **k: asked.append(a))
    assert tasks.sweep_routing(stuck_after=60) == 12
    assert tasks.sweep_routing(stuck_after=60) == 0  # given time before they are counted again
    assert asked == [()]


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_never_route_an_invoice_twice(personas):
    require_postgresql()
    ids = [invoice.pk for invoice in deposited_in_bulk(personas, 120)]
    reached: list[dict[int, str]] = []
    start = threading.Barrier(3)

    def worker() -> None:
        try:
            start.wait()
            while batch := services.invoices_route_batch(limit=10).reached:
                reached.append(batch)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    claimed = [pk for batch in reached for pk in batch]
    assert sorted(claimed) == sorted(ids)  # each invoice claimed once, none left over
    for steps in routing_history(ids).values():
        assert steps == [
            Status.DEPOSEE,
            Status.EN_COURS_ACHEMINEMENT,
            Status.MISE_A_DISPOSITION,
        ]


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_skipped_a_locked_invoice_looks_again_in_a_moment(personas, monkeypatch):
    """A routing batch skips the rows another transaction holds (SKIP LOCKED): the invoice's page
    rendering its certificate under the invoice's lock, say. It asks for another batch shortly,
    rather than leave the invoice to the sweep minutes later."""
    require_postgresql()
    invoice = deposited(personas)
    asked: list[dict[str, object]] = []
    monkeypatch.setattr(tasks.route_batch, "apply_async", lambda *a, **k: asked.append(k))
    with held_open(lambda: Invoice.objects.select_for_update().get(pk=invoice.pk)):
        assert tasks.route_batch() == 0  # skipped: its row was held
        assert asked == [{"countdown": tasks.ROUTING_RETRY_SECONDS}]

    assert tasks.route_batch() == 1  # the batch asked for finds it free
    invoice.refresh_from_db()
    assert invoice.status == Status.MISE_A_DISPOSITION
    assert len(asked) == 1  # nothing left waiting: no more batches asked for
