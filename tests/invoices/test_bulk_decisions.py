"""Bulk decisions (invoices/bulk/services.py): one decision for many received invoices, each
judged on its own by the single decision's service; never half a batch applied silently."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from chorus.models import OutgoingEmail
from digests import services as digests
from invoices import services, tasks
from invoices.bulk import services as bulk
from invoices.bulk.models import BulkDecision, BulkDecisionItem
from invoices.models import Invoice, RejectionReason, StatusChange
from invoices.services import InvoiceError
from invoices.workflow import Status
from structures.models import Frequency, Membership, NoticePreference
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


# --- the suppliers' e-mails: one digest per supplier and reader per bulk decision --------------
def _emails_to(address: str) -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(to=address).order_by("id"))


def test_a_bulk_rejection_sends_each_supplier_user_one_digest_not_one_e_mail_per_invoice(
    personas, django_capture_on_commit_callbacks
):
    acme = [invoice_in(personas, Status.MISE_A_DISPOSITION) for _ in range(3)]
    globex = [invoice_in(personas, Status.MISE_A_DISPOSITION, supplier=personas.globex)]
    with django_capture_on_commit_callbacks() as enqueued:
        bulk.bulk_decision_submit(
            user=personas.agent,
            invoice_ids=[i.pk for i in [*acme, *globex]],
            target=Status.REJETEE,
            reason=_reason("SUPPRESSION_MASSE"),
            comment="Lot déposé par erreur.",
        )
    assert len(enqueued) == 1  # one task sends the batch's e-mails
    keys = list(OutgoingEmail.objects.values_list("key", flat=True))
    assert tasks.notify_emails(keys) == 3
    assert sorted(address for email in mail.outbox for address in email.to) == [
        "member@acme.test",
        "outsider@globex.test",
        "principal@acme.test",
    ]
    for address in ("principal@acme.test", "member@acme.test"):
        (digest,) = _emails_to(address)
        assert digest.subject == "3 factures : Rejetée"
        assert all(invoice.number in digest.body for invoice in acme)
        assert globex[0].number not in digest.body
        assert digest.body.count(_reason("SUPPRESSION_MASSE").label) == 3
        assert "Lot déposé par erreur." in digest.body
    # Globex has one invoice in the batch: its own notice, as for a single decision.
    (notice,) = _emails_to("outsider@globex.test")
    assert notice.subject == f"Facture {globex[0].number} : Rejetée"
    assert "Lot déposé par erreur." in notice.body


def test_a_single_decision_still_sends_its_own_notice(personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    services.invoice_process(user=personas.agent, invoice=invoice, target=Status.COMPTABILISEE)
    assert [email.subject for email in _emails_to("principal@acme.test")] == [
        f"Facture {invoice.number} : Comptabilisée"
    ]


def test_a_member_on_daily_digests_hears_of_a_bulk_decision_only_in_the_daily_digest(personas):
    membership = Membership.objects.get(user=personas.supplier_member, structure=personas.acme)
    preference = NoticePreference.objects.create(membership=membership, invoices=Frequency.DAILY)
    NoticePreference.objects.filter(pk=preference.pk).update(
        updated_at=timezone.now() - timedelta(days=2)
    )
    invoices = [invoice_in(personas, Status.COMPTABILISEE) for _ in range(2)]
    bulk.bulk_decision_submit(
        user=personas.agent, invoice_ids=[i.pk for i in invoices], target=Status.MISE_EN_PAIEMENT
    )
    assert [e.subject for e in _emails_to("principal@acme.test")] == [
        "2 factures : Mise en paiement"
    ]
    assert _emails_to("member@acme.test") == []
    digests.digests_send(Frequency.DAILY, now=timezone.now() + timedelta(days=1))
    (daily,) = _emails_to("member@acme.test")
    assert all(invoice.number in daily.body for invoice in invoices)


def test_a_batch_run_twice_sends_its_digest_once(personas, settings):
    settings.BULK_DECISION_INLINE_MAX = 1
    invoices = [invoice_in(personas, Status.COMPTABILISEE) for _ in range(3)]
    batch = bulk.bulk_decision_submit(
        user=personas.agent, invoice_ids=[i.pk for i in invoices], target=Status.MISE_EN_PAIEMENT
    )
    assert OutgoingEmail.objects.count() == 0  # nothing decided yet
    bulk.bulk_decision_run(bulk_id=batch.pk)
    bulk.bulk_decision_run(bulk_id=batch.pk)  # the message redelivered: the batch is done
    assert sorted(OutgoingEmail.objects.values_list("to", "subject")) == [
        ("member@acme.test", "3 factures : Mise en paiement"),
        ("principal@acme.test", "3 factures : Mise en paiement"),
    ]
