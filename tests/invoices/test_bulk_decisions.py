"""Bulk decisions (invoices/bulk/services.py): one decision for many received invoices, each
judged on its own by the single decision's service; never half a batch applied silently."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from invoices import services
from invoices.bulk import services as bulk
from invoices.bulk.models import BulkDecision, BulkDecisionItem
from invoices.models import Invoice, RejectionReason, StatusChange
from invoices.services import InvoiceError
from invoices.workflow import Status
from tests.invoices.factories import invoice_in

pytestmark = pytest.mark.django_db

Result = BulkDecisionItem.Result


def _reason(code: str) -> RejectionReason:
    return RejectionReason.objects.get(code=code)


def _statuses(invoices: list[Invoice]) -> list[str]:
    return [Invoice.objects.get(pk=i.pk).status for i in invoices]


def test_a_bulk_rejection_decides_each_invoice_and_reports_the_ones_it_cannot(personas):
    available = [invoice_in(personas, Status.MISE_A_DISPOSITION) for _ in range(3)]
    accounted = invoice_in(personas, Status.COMPTABILISEE)
    done = bulk.bulk_decision_submit(
        user=personas.agent,
        invoice_ids=[i.pk for i in [*available, accounted]],
        target=Status.REJETEE,
        reason=_reason("SUPPRESSION_MASSE"),
        comment="Lot déposé par erreur.",
    )
    assert done.state == BulkDecision.State.DONE
    assert _statuses(available) == [Status.REJETEE] * 3
    assert _statuses([accounted]) == [Status.COMPTABILISEE]
    results = list(done.items.order_by("position").values_list("result", "message"))
    assert [r for r, _m in results] == [Result.DONE] * 3 + [Result.REFUSED]
    assert results[-1][1] == (
        "La décision « Rejetée » ne s'applique pas à une facture comptabilisée."
    )
    change = StatusChange.objects.filter(invoice=available[0]).latest("id")
    assert (change.actor, change.reason.code, change.comment) == (
        personas.agent,
        "SUPPRESSION_MASSE",
        "Lot déposé par erreur.",
    )


def test_the_bulk_deletion_reason_is_reserved_to_bulk_decisions(personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    with pytest.raises(InvoiceError) as refused:
        services.invoice_process(
            user=personas.agent,
            invoice=invoice,
            target=Status.REJETEE,
            reason=_reason("SUPPRESSION_MASSE"),
            comment="Un seul",
        )
    assert refused.value.errors == {"reason": ["Ce motif est réservé aux décisions groupées."]}
    assert _statuses([invoice]) == [Status.MISE_A_DISPOSITION]


def test_an_invoice_that_moved_since_the_agent_saw_it_is_refused_not_decided(personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    batch = bulk.bulk_decision_create(
        user=personas.agent, invoice_ids=[invoice.pk], target=Status.COMPTABILISEE
    )
    services.invoice_process(user=personas.agent, invoice=invoice, target=Status.SERVICE_FAIT)
    bulk.bulk_decision_run(bulk_id=batch.pk)
    item = batch.items.get()
    assert item.result == Result.REFUSED
    assert (
        item.message == "Son statut a changé entre-temps (Service fait) : elle n'a pas été traitée."
    )
    assert _statuses([invoice]) == [Status.SERVICE_FAIT]


@pytest.mark.parametrize(
    ("target", "reason", "comment", "field", "message"),
    [
        (Status.SUSPENDUE, None, "x", "reason", "Choisissez un motif."),
        (Status.REJETEE, "MARCHE_TERMINE", "", "comment", "Un commentaire est obligatoire"),
        (Status.SUSPENDUE, "MARCHE_TERMINE", "x", "reason", "Ce motif ne s'applique pas"),
        (Status.MANDATEE, None, "", "target", "Cette décision ne se prend pas"),
    ],
)
def test_a_decision_wrong_for_the_whole_batch_stores_nothing(
    personas, target, reason, comment, field, message
):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    with pytest.raises(InvoiceError) as refused:
        bulk.bulk_decision_submit(
            user=personas.agent,
            invoice_ids=[invoice.pk],
            target=target,
            reason=_reason(reason) if reason else None,
            comment=comment,
        )
    assert refused.value.errors[field][0].startswith(message)
    assert not BulkDecision.objects.exists()
    assert _statuses([invoice]) == [Status.MISE_A_DISPOSITION]


def test_an_agent_never_touches_another_service_s_invoices(personas):
    mine = invoice_in(personas, Status.MISE_A_DISPOSITION)
    theirs = invoice_in(personas, Status.MISE_A_DISPOSITION, service=personas.other_service)
    with pytest.raises(InvoiceError) as refused:
        bulk.bulk_decision_submit(
            user=personas.agent, invoice_ids=[mine.pk, theirs.pk], target=Status.COMPTABILISEE
        )
    assert refused.value.errors == {
        "invoices": [f"Factures introuvables parmi celles que vous recevez : {theirs.pk}."]
    }
    assert not BulkDecision.objects.exists()
    assert _statuses([mine, theirs]) == [Status.MISE_A_DISPOSITION] * 2
    for user in (personas.supplier_principal, personas.outsider):
        with pytest.raises(InvoiceError):
            bulk.bulk_decision_submit(user=user, invoice_ids=[mine.pk], target=Status.COMPTABILISEE)


def test_an_agent_who_lost_the_service_meanwhile_has_the_rest_refused(personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    batch = bulk.bulk_decision_create(
        user=personas.agent, invoice_ids=[invoice.pk], target=Status.COMPTABILISEE
    )
    # moved to another service (an agent scoped to none would see the whole structure)
    personas.agent.memberships.get().services.set([personas.other_service])
    bulk.bulk_decision_run(bulk_id=batch.pk)
    item = batch.items.get()
    assert (item.result, item.message) == (
        Result.REFUSED,
        "Vous ne traitez plus les factures de ce service.",
    )
    assert _statuses([invoice]) == [Status.MISE_A_DISPOSITION]


def test_the_selection_is_bounded_and_never_empty(personas, settings):
    settings.BULK_DECISION_MAX_INVOICES = 2
    invoices = [invoice_in(personas, Status.MISE_A_DISPOSITION) for _ in range(3)]
    for ids, message in (
        ([], "Cochez au moins une facture."),
        ([i.pk for i in invoices], "3 factures sélectionnées : une décision groupée en traite 2"),
    ):
        with pytest.raises(InvoiceError) as refused:
            bulk.bulk_decision_submit(
                user=personas.agent, invoice_ids=ids, target=Status.COMPTABILISEE
            )
        assert refused.value.errors["invoices"][0].startswith(message)
    twice = bulk.bulk_decision_submit(
        user=personas.agent, invoice_ids=[invoices[0].pk] * 2, target=Status.COMPTABILISEE
    )
    assert twice.item_count == 1 and twice.items.get().result == Result.DONE


def test_a_long_batch_waits_for_a_worker_and_a_second_run_decides_nothing_twice(
    personas, settings, django_capture_on_commit_callbacks
):
    settings.BULK_DECISION_INLINE_MAX = 1
    invoices = [invoice_in(personas, Status.COMPTABILISEE) for _ in range(3)]
    with django_capture_on_commit_callbacks() as enqueued:
        batch = bulk.bulk_decision_submit(
            user=personas.agent,
            invoice_ids=[i.pk for i in invoices],
            target=Status.MISE_EN_PAIEMENT,
        )
    assert batch.state == BulkDecision.State.PENDING and len(enqueued) == 1
    assert _statuses(invoices) == [Status.COMPTABILISEE] * 3
    bulk.bulk_decision_run(bulk_id=batch.pk)
    again = bulk.bulk_decision_run(bulk_id=batch.pk)
    assert again is not None and again.state == BulkDecision.State.DONE
    assert _statuses(invoices) == [Status.MISE_EN_PAIEMENT] * 3
    assert StatusChange.objects.filter(to_status=Status.MISE_EN_PAIEMENT).count() == 3


def test_the_sweep_finds_a_batch_whose_worker_went_silent(personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    batch = bulk.bulk_decision_create(
        user=personas.agent, invoice_ids=[invoice.pk], target=Status.COMPTABILISEE
    )
    assert bulk.bulk_decisions_sweep(stuck_after=timedelta(seconds=60)) == []
    BulkDecision.objects.filter(pk=batch.pk).update(
        touched_at=timezone.now() - timedelta(minutes=5)
    )
    assert bulk.bulk_decisions_sweep(stuck_after=timedelta(seconds=60)) == [batch.pk]
    assert bulk.bulk_decisions_sweep(stuck_after=timedelta(seconds=60)) == []
