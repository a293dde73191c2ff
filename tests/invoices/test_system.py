"""Routing, the sweep and the simulated payment, run in this process: what each step decides,
that a step run twice changes nothing more, and what the periodic tasks pick."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from chorus.models import OutgoingEmail
from invoices import integrity, services, tasks
from invoices.models import EngagementRecord, Invoice
from invoices.selectors import due_for_payment, stuck_in_routing
from invoices.workflow import Status
from tests.factories import PublicStructureFactory, ServiceFactory
from tests.invoices.factories import deposited, invoice_in

pytestmark = pytest.mark.django_db


def _route_fully(invoice: Invoice) -> Invoice:
    tasks.route_invoice(invoice.pk, Status.DEPOSEE)
    tasks.route_invoice(invoice.pk, Status.EN_COURS_ACHEMINEMENT)
    invoice.refresh_from_db()
    return invoice


def test_routing_makes_a_good_invoice_available_to_its_recipient(personas):
    invoice = _route_fully(deposited(personas))
    assert invoice.status == Status.MISE_A_DISPOSITION
    assert invoice.made_available_at is not None
    steps = list(invoice.history.values_list("from_status", "to_status", "actor_system"))
    assert steps[-2:] == [
        ("DEPOSEE", "EN_COURS_ACHEMINEMENT", "routage"),
        ("EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION", "routage"),
    ]


def test_route_invoice_run_twice_writes_one_history_row_per_step(personas):
    invoice = deposited(personas)
    for expected in (Status.DEPOSEE, Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT) * 2:
        tasks.route_invoice(invoice.pk, expected)
    statuses = list(invoice.history.order_by("at", "id").values_list("to_status", flat=True))
    assert statuses == ["BROUILLON", "DEPOSEE", "EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION"]


def test_a_message_for_a_missing_invoice_does_nothing(db):
    assert tasks.route_invoice(999_999, Status.DEPOSEE) is None


def test_a_service_closed_after_the_deposit_sends_the_invoice_back(personas):
    invoice = deposited(personas)
    personas.service.is_active = False
    personas.service.save()
    invoice = _route_fully(invoice)
    assert invoice.status == Status.A_RECYCLER
    last = invoice.history.order_by("-at", "-id").first()
    assert last.reason.code == "SE_EJ_INCORRECT"
    assert last.actor_system == "routage"
    assert invoice.made_available_at is None


def _register_recipient():  # type: ignore[no-untyped-def]
    recipient = PublicStructureFactory(keeps_engagement_register=True)
    ServiceFactory(structure=recipient, code="COMPTA")
    return recipient


def test_an_engagement_of_another_creditor_is_rejected_by_routing(personas):
    recipient = _register_recipient()
    EngagementRecord.objects.create(recipient=recipient, number="EJ-9", supplier_siret="1" * 14)
    invoice = deposited(
        personas,
        recipient_siret=recipient.identifier,
        service_code="COMPTA",
        engagement_number="EJ-9",
    )
    invoice = _route_fully(invoice)
    assert invoice.status == Status.REJETEE
    last = invoice.history.order_by("-at", "-id").first()
    assert last.reason.code == "CREANCIER_INCONNU"
    assert last.reason.label_fr == "Créancier inconnu ou différent de celui de l'EJ"


def test_an_engagement_of_the_register_held_by_the_supplier_is_made_available(personas):
    recipient = _register_recipient()
    EngagementRecord.objects.create(
        recipient=recipient, number="EJ-10", supplier_siret=personas.acme.identifier
    )
    invoice = deposited(
        personas,
        recipient_siret=recipient.identifier,
        service_code="COMPTA",
        engagement_number="EJ-10",
    )
    assert _route_fully(invoice).status == Status.MISE_A_DISPOSITION


def test_an_engagement_missing_from_the_register_sends_the_invoice_back(personas):
    recipient = _register_recipient()
    invoice = deposited(
        personas,
        recipient_siret=recipient.identifier,
        service_code="COMPTA",
        engagement_number="EJ-404",
    )
    assert _route_fully(invoice).status == Status.A_RECYCLER


def test_a_recycled_invoice_is_routed_again_with_its_new_service(personas):
    invoice = deposited(personas)
    personas.service.is_active = False
    personas.service.save()
    invoice = _route_fully(invoice)
    services.invoice_recycle(
        user=personas.supplier_principal,
        invoice=invoice,
        recipient_siret=personas.state.identifier,
        service_code="SFACT_MIN_EDU",
        engagement_number="",
    )
    invoice = _route_fully(invoice)
    assert (invoice.status, invoice.service.code) == (Status.MISE_A_DISPOSITION, "SFACT_MIN_EDU")
    # The typed invoice was deposited again as a new CII, with a new certificate.
    assert invoice.attachments.filter(kind="GENERATED_XML").count() == 2
    for deposit in invoice.history.filter(to_status=Status.DEPOSEE):
        assert tasks.render_certificate(deposit.pk) is not None
    assert invoice.attachments.filter(kind="CERTIFICATE").count() == 2


# --- the sweep -----------------------------------------------------------------------------------
def test_the_sweep_picks_only_invoices_stuck_in_routing_long_enough(personas):
    old = timezone.now() - timedelta(minutes=10)
    stuck = [
        invoice_in(personas, Status.DEPOSEE, status_changed_at=old),
        invoice_in(personas, Status.EN_COURS_ACHEMINEMENT, status_changed_at=old),
    ]
    invoice_in(personas, Status.DEPOSEE)  # just deposited: its message is on its way
    invoice_in(personas, Status.MISE_A_DISPOSITION, status_changed_at=old)
    picked = stuck_in_routing(older_than=timedelta(minutes=5))
    assert set(picked) == set(stuck)


# --- the simulated payment ---------------------------------------------------------------------
def test_the_payment_system_pays_accounted_invoices_after_the_delay(personas, settings):
    settings.INVOICE_PAYMENT_SIMULATION = True
    old = timezone.now() - timedelta(minutes=10)
    due = invoice_in(personas, Status.COMPTABILISEE, status_changed_at=old)
    recent = invoice_in(personas, Status.COMPTABILISEE)
    assert tasks.simulate_payments(delay=300) == 1
    due.refresh_from_db()
    recent.refresh_from_db()
    assert (due.status, recent.status) == (Status.MISE_EN_PAIEMENT, Status.COMPTABILISEE)
    assert due.history.get().actor_system == "paiement"


def test_the_payment_system_can_be_switched_off(personas, settings):
    settings.INVOICE_PAYMENT_SIMULATION = False
    invoice_in(personas, Status.COMPTABILISEE, status_changed_at=timezone.now() - timedelta(days=1))
    assert tasks.simulate_payments(delay=0) == 0


def test_a_recipient_that_does_not_report_payments_is_not_paid_by_the_simulation(personas):
    personas.state.payment_status_reported = False
    personas.state.save()
    invoice_in(personas, Status.COMPTABILISEE, status_changed_at=timezone.now() - timedelta(days=1))
    assert not due_for_payment(older_than=timedelta(seconds=0)).exists()


# --- one task, both steps ------------------------------------------------------------------------
def _enqueued(callbacks, monkeypatch) -> list[tuple[str, tuple]]:  # type: ignore[no-untyped-def]
    """The tasks that the commit callbacks enqueue: (name, arguments)."""
    sent: list[tuple[str, tuple]] = []
    names = (
        "route_invoice",
        "route_batch",
        "notify_status_change",
        "notify_agents",
        "after_routing",
    )
    for name in names:
        monkeypatch.setattr(
            getattr(tasks, name), "apply_async", lambda args, _n=name, **k: sent.append((_n, args))
        )
    for callback in callbacks:
        callback()
    return sent


def test_one_message_routes_through_both_steps_and_sends_their_e_mails_in_one_task(
    personas, django_capture_on_commit_callbacks, monkeypatch
):
    invoice = deposited(personas)
    already = OutgoingEmail.objects.count()
    with django_capture_on_commit_callbacks() as callbacks:
        assert tasks.route_invoice(invoice.pk, Status.DEPOSEE) == Status.MISE_A_DISPOSITION
    steps = list(invoice.history.values_list("from_status", "to_status"))
    assert steps[-2:] == [
        ("DEPOSEE", "EN_COURS_ACHEMINEMENT"),
        ("EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION"),
    ]
    # Two changes for Acme's two users and the agent's notice: queued, named by one task (which
    # also follows the deposit up: tests/invoices/test_deposit_follow_ups.py).
    [(name, (keys, deposits))] = _enqueued(callbacks, monkeypatch)
    assert name == "after_routing" and deposits == [invoice.pk]
    assert OutgoingEmail.objects.count() == already + 5
    assert tasks.notify_emails(keys) == 5
    assert tasks.notify_emails(keys) == 0  # delivered again: nothing sent twice
    assert sorted(m.to[0] for m in mail.outbox) == [
        "agent@etat.test",
        "member@acme.test",
        "member@acme.test",
        "principal@acme.test",
        "principal@acme.test",
    ]


def test_a_message_delivered_again_after_a_crash_between_the_steps_finishes_the_routing(
    personas,
):
    invoice = deposited(personas)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.DEPOSEE)  # then died
    assert tasks.route_invoice(invoice.pk, Status.DEPOSEE) == Status.MISE_A_DISPOSITION
    assert tasks.route_invoice(invoice.pk, Status.DEPOSEE) is None
    statuses = list(invoice.history.order_by("id").values_list("to_status", flat=True))
    assert statuses == ["BROUILLON", "DEPOSEE", "EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION"]
    assert integrity.chain_problems(invoice.history.order_by("id")) == []


def test_with_a_delay_between_the_steps_each_batch_takes_one_step_and_asks_for_the_next(
    personas, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.INVOICE_ROUTING_DELAY = 3
    invoice = deposited(personas)
    asked: list[dict] = []
    monkeypatch.setattr(tasks.route_batch, "apply_async", lambda *a, **k: asked.append(k))
    with django_capture_on_commit_callbacks() as callbacks:
        assert tasks.route_batch() == 1
    invoice.refresh_from_db()
    assert invoice.status == Status.EN_COURS_ACHEMINEMENT
    assert asked == [{"countdown": 3}]
    assert [name for name, _args in _enqueued(callbacks, monkeypatch)] == ["after_routing"]


def test_a_status_change_nobody_is_told_of_queues_no_e_mail(
    personas, django_capture_on_commit_callbacks, monkeypatch
):
    invoice = deposited(personas)
    User.objects.filter(memberships__structure=personas.acme).update(is_active=False)
    User.objects.filter(memberships__structure=personas.state).update(is_active=False)
    queued = OutgoingEmail.objects.count()
    with django_capture_on_commit_callbacks() as callbacks:
        tasks.route_invoice(invoice.pk, Status.DEPOSEE)
    # The deposit's follow-up only (its renderings): no key of an e-mail.
    assert _enqueued(callbacks, monkeypatch) == [("after_routing", ([], [invoice.pk]))]
    assert OutgoingEmail.objects.count() == queued
    invoice.refresh_from_db()
    assert invoice.status == Status.MISE_A_DISPOSITION
