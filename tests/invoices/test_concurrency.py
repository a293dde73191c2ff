"""Two people acting on one invoice at once, on PostgreSQL with two connections: one wins, the
other is told the invoice was already processed; nothing is applied twice."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from invoices import services
from invoices.models import Invoice, RejectionReason
from invoices.services import InvoiceError, InvoiceStateError
from invoices.workflow import Status
from tests.factories import MembershipFactory, UserFactory
from tests.invoices.factories import draft, invoice_in
from tests.utils.services import require_postgresql

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def _race(*actions: Callable[[], object]) -> list[object]:
    """Run the actions in threads released at the same instant; return results or errors."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = action()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_agents_deciding_at_once_one_wins_the_other_is_told(personas):
    require_postgresql()
    second_agent = UserFactory(email="second-agent@etat.test")
    MembershipFactory(user=second_agent, structure=personas.state).services.add(personas.service)
    reason = RejectionReason.objects.get(code="MONTANT_ERRONE")
    for _round in range(5):
        invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
        results = _race(
            lambda inv=invoice: services.invoice_process(
                user=personas.agent,
                invoice=inv,
                target=Status.REJETEE,
                expected_status=Status.MISE_A_DISPOSITION,
                reason=reason,
                comment="Montant faux",
            ),
            lambda inv=invoice: services.invoice_process(
                user=second_agent,
                invoice=inv,
                target=Status.COMPTABILISEE,
                expected_status=Status.MISE_A_DISPOSITION,
            ),
        )
        winners = [r for r in results if isinstance(r, Invoice)]
        losers = [r for r in results if isinstance(r, InvoiceStateError)]
        assert (len(winners), len(losers)) == (1, 1), results
        invoice.refresh_from_db()
        assert invoice.status == winners[0].status
        assert invoice.history.count() == 1


def test_two_identical_decisions_at_once_are_applied_once(personas):
    require_postgresql()
    invoice = invoice_in(personas, Status.COMPTABILISEE)
    results = _race(
        *[
            lambda: services.invoice_process(
                user=personas.agent, invoice=invoice, target=Status.MISE_EN_PAIEMENT
            )
        ]
        * 2
    )
    assert sorted(type(r).__name__ for r in results) == ["Invoice", "InvoiceStateError"]
    assert invoice.history.filter(to_status=Status.MISE_EN_PAIEMENT).count() == 1


def test_two_deposits_of_one_number_at_once_leave_one_deposited_invoice(personas):
    require_postgresql()
    drafts = [draft(personas, number="F-RACE"), draft(personas, number="F-RACE")]
    results = _race(
        *[
            lambda d=d: services.invoice_deposit(user=personas.supplier_principal, invoice=d)
            for d in drafts
        ]
    )
    errors = [r for r in results if isinstance(r, InvoiceError)]
    assert len(errors) == 1 and "number" in errors[0].errors, results
    assert Invoice.objects.filter(number="F-RACE", status=Status.DEPOSEE).count() == 1


def test_two_runs_of_one_bulk_decision_share_its_invoices_and_decide_none_twice(personas):
    """A redelivered message while the first worker still runs: both take pending items (SKIP
    LOCKED), every invoice is decided once, and the batch ends done."""
    from invoices.bulk import services as bulk
    from invoices.bulk.models import BulkDecision, BulkDecisionItem
    from invoices.models import StatusChange

    require_postgresql()
    invoices = [invoice_in(personas, Status.COMPTABILISEE) for _ in range(30)]
    batch = bulk.bulk_decision_create(
        user=personas.agent, invoice_ids=[i.pk for i in invoices], target=Status.MISE_EN_PAIEMENT
    )
    results = _race(
        lambda: bulk.bulk_decision_run(bulk_id=batch.pk),
        lambda: bulk.bulk_decision_run(bulk_id=batch.pk),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert BulkDecision.objects.get(pk=batch.pk).is_done
    items = BulkDecisionItem.objects.filter(bulk=batch)
    assert set(items.values_list("result", flat=True)) == {BulkDecisionItem.Result.DONE}
    changes = StatusChange.objects.filter(to_status=Status.MISE_EN_PAIEMENT)
    assert changes.count() == 30 and changes.values("invoice").distinct().count() == 30
