"""Every transition, allowed and forbidden, for every persona (docs/architecture.md's table)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from invoices import services
from invoices.models import DepositMode, RejectionReason
from invoices.services import InvoiceAccessDenied, InvoiceError, InvoiceStateError
from invoices.workflow import AGENT_MOVES, AGENT_TRANSITIONS, ROUTING_TRANSITIONS, Status
from structures.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.invoices.factories import invoice_in

pytestmark = pytest.mark.django_db

ALL = list(Status)
PERSONAS = [
    "supplier_principal",
    "supplier_member",
    "pending_requester",
    "outsider",
    "agent",
    "other_agent",
    "admin",
]
SUPPLIERS = {"supplier_principal", "supplier_member"}
EXPECTED_AGENT_MOVES = {
    # The lifecycle table of docs/architecture.md, written out by hand so that a change of the
    # code's table has to be a deliberate change of this test too.
    "MISE_A_DISPOSITION": {"SERVICE_FAIT", "MANDATEE", "COMPTABILISEE", "SUSPENDUE",
                           "A_RECYCLER", "REJETEE", "MISE_EN_PAIEMENT"},
    "COMPLETEE": {"SERVICE_FAIT", "MANDATEE", "COMPTABILISEE", "SUSPENDUE", "A_RECYCLER",
                  "REJETEE", "MISE_EN_PAIEMENT"},
    "SERVICE_FAIT": {"MANDATEE", "COMPTABILISEE", "SUSPENDUE", "REJETEE", "MISE_EN_PAIEMENT"},
    "MANDATEE": {"COMPTABILISEE", "SUSPENDUE", "REJETEE", "MISE_EN_PAIEMENT"},
    "COMPTABILISEE": {"MISE_EN_PAIEMENT"},
}  # fmt: skip


def _reason_for(target: str) -> RejectionReason | None:
    if target not in (Status.REJETEE, Status.SUSPENDUE, Status.A_RECYCLER):
        return None
    return next(r for r in RejectionReason.objects.all() if target in r.allowed_statuses)


def _process(user, invoice, target):  # type: ignore[no-untyped-def]
    return services.invoice_process(
        user=user,
        invoice=invoice,
        target=target,
        reason=_reason_for(target),
        comment="Un commentaire",
        mandate_number="M-2026-1" if target == Status.MANDATEE else "",
    )


# --- the agent's moves ---------------------------------------------------------------------------
def test_the_code_s_table_is_the_design_s_table():
    assert {s: set(t) for s, t in AGENT_MOVES.items()} == EXPECTED_AGENT_MOVES


@pytest.mark.parametrize("table", [AGENT_TRANSITIONS, ROUTING_TRANSITIONS])
def test_each_decision_table_names_the_transition_that_reaches_its_status(table):
    """The tables hold the transition methods themselves: each one leads to its key."""
    for status, method in table.items():
        targets = {t.target for t in method._django_fsm.transitions.values()}
        assert targets == {status}, method.__name__


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", list(AGENT_TRANSITIONS))
def test_an_agent_may_only_make_the_moves_the_status_allows(personas, source, target):
    invoice = invoice_in(personas, source)
    allowed = target in EXPECTED_AGENT_MOVES.get(source, set())
    if allowed:
        _process(personas.agent, invoice, target)
        invoice.refresh_from_db()
        assert invoice.status == target
        change = invoice.history.get()
        assert (change.from_status, change.to_status, change.actor) == (
            source,
            target,
            personas.agent,
        )
    else:
        with pytest.raises((InvoiceStateError, InvoiceAccessDenied)):
            _process(personas.agent, invoice, target)
        invoice.refresh_from_db()
        assert invoice.status == source
        assert not invoice.history.exists()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("target", list(AGENT_TRANSITIONS))
def test_only_the_agent_of_the_service_decides(personas, persona, target):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    if persona == "agent":
        assert _process(personas.agent, invoice, target).status == target
    else:
        with pytest.raises(InvoiceAccessDenied):
            _process(getattr(personas, persona), invoice, target)
        invoice.refresh_from_db()
        assert invoice.status == Status.MISE_A_DISPOSITION


def test_without_a_service_the_recipients_agents_scoped_to_none_decide(personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION, service=None)
    # An agent scoped to some services sees none of the others, nor those addressed to none.
    with pytest.raises(InvoiceAccessDenied):
        _process(personas.other_agent, invoice, Status.SERVICE_FAIT)
    whole = UserFactory()
    MembershipFactory(user=whole, structure=personas.state)
    assert _process(whole, invoice, Status.SERVICE_FAIT).status == "SERVICE_FAIT"


def test_an_agent_whose_membership_is_not_approved_cannot_decide(personas):
    Membership.objects.filter(user=personas.agent).update(status=Membership.Status.DETACHED)
    with pytest.raises(InvoiceAccessDenied):
        _process(personas.agent, invoice_in(personas, "MISE_A_DISPOSITION"), "COMPTABILISEE")


@pytest.mark.parametrize("target", [Status.REJETEE, Status.SUSPENDUE])
def test_a_rejection_or_suspension_needs_a_reason_and_a_comment(personas, target):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    with pytest.raises(InvoiceError) as caught:
        services.invoice_process(user=personas.agent, invoice=invoice, target=target)
    assert set(caught.value.errors) == {"reason", "comment"}
    invoice.refresh_from_db()
    assert invoice.status == Status.MISE_A_DISPOSITION


def test_a_reason_must_be_one_that_justifies_the_decision(personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    only_for_recycling = RejectionReason.objects.get(code="SE_EJ_INCORRECT")
    with pytest.raises(InvoiceError) as caught:
        services.invoice_process(
            user=personas.agent,
            invoice=invoice,
            target=Status.REJETEE,
            reason=only_for_recycling,
            comment="non",
        )
    assert "reason" in caught.value.errors


def test_an_inactive_reason_is_refused(personas):
    reason = RejectionReason.objects.get(code="MONTANT_ERRONE")
    reason.is_active = False
    reason.save()
    with pytest.raises(InvoiceError):
        services.invoice_process(
            user=personas.agent,
            invoice=invoice_in(personas, Status.MISE_A_DISPOSITION),
            target=Status.REJETEE,
            reason=reason,
            comment="non",
        )


def test_a_rejection_records_its_reason_and_comment(personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    reason = RejectionReason.objects.get(code="DOUBLE_FACTURATION")
    services.invoice_process(
        user=personas.agent,
        invoice=invoice,
        target=Status.REJETEE,
        reason=reason,
        comment="Déjà reçue sous le n° F-12",
    )
    change = invoice.history.get()
    assert (change.reason, change.comment) == (reason, "Déjà reçue sous le n° F-12")


def test_mandating_needs_and_keeps_a_mandate_number(personas):
    invoice = invoice_in(personas, Status.SERVICE_FAIT)
    with pytest.raises(InvoiceError) as caught:
        services.invoice_process(user=personas.agent, invoice=invoice, target=Status.MANDATEE)
    assert "mandate_number" in caught.value.errors
    services.invoice_process(
        user=personas.agent, invoice=invoice, target=Status.MANDATEE, mandate_number="M-77"
    )
    invoice.refresh_from_db()
    assert invoice.mandate_number == "M-77"
    assert invoice.history.get().mandate_number == "M-77"


def test_a_decision_on_an_invoice_that_moved_since_the_page_was_shown_is_refused(personas):
    invoice = invoice_in(personas, Status.COMPTABILISEE)
    with pytest.raises(InvoiceStateError):
        services.invoice_process(
            user=personas.agent,
            invoice=invoice,
            target=Status.MISE_EN_PAIEMENT,
            expected_status=Status.MISE_A_DISPOSITION,
        )


# --- the supplier's moves ------------------------------------------------------------------------
def _deposit(user, invoice):  # type: ignore[no-untyped-def]
    return services.invoice_deposit(user=user, invoice=invoice)


def _recycle(user, invoice):  # type: ignore[no-untyped-def]
    return services.invoice_recycle(
        user=user,
        invoice=invoice,
        recipient_siret=invoice.recipient_siret,
        service_code="FACTURES_PUBLIQUES",
        engagement_number="EJ-1",
    )


def _complete(user, invoice):  # type: ignore[no-untyped-def]
    note = SimpleUploadedFile("bon-de-livraison.txt", b"livre le 3 mars")
    return services.invoice_complete(
        user=user, invoice=invoice, comment="Voici le bon", attachments=[note]
    )


def _acknowledge(user, invoice):  # type: ignore[no-untyped-def]
    return services.invoice_acknowledge_rejection(user=user, invoice=invoice)


SUPPLIER_ACTIONS = {
    "deposit": (_deposit, Status.BROUILLON, Status.DEPOSEE),
    "recycle": (_recycle, Status.A_RECYCLER, Status.DEPOSEE),
    "complete": (_complete, Status.SUSPENDUE, Status.COMPLETEE),
    "acknowledge": (_acknowledge, Status.REJETEE, Status.REJETEE),
}


def _supplier_invoice(personas, status):  # type: ignore[no-untyped-def]
    # A deposited-PDF shape: complete header and totals, no lines to type.
    return invoice_in(personas, status, deposit_mode=DepositMode.DEPOT_PDF_WEB)


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("action", list(SUPPLIER_ACTIONS))
def test_a_supplier_may_only_act_from_the_status_the_action_answers(personas, source, action):
    run, expected_source, target = SUPPLIER_ACTIONS[action]
    invoice = _supplier_invoice(personas, source)
    if source == expected_source:
        run(personas.supplier_principal, invoice)
        invoice.refresh_from_db()
        assert invoice.status == target
    else:
        with pytest.raises(InvoiceStateError):
            run(personas.supplier_principal, invoice)
        invoice.refresh_from_db()
        assert invoice.status == source


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(SUPPLIER_ACTIONS))
def test_only_the_supplier_s_users_answer_for_it(personas, persona, action):
    run, source, target = SUPPLIER_ACTIONS[action]
    invoice = _supplier_invoice(personas, source)
    if persona in SUPPLIERS:
        run(getattr(personas, persona), invoice)
        invoice.refresh_from_db()
        assert invoice.status == target
    else:
        # A deposit reports it next to the supplier field; other actions are "not found".
        with pytest.raises((InvoiceAccessDenied, InvoiceError)):
            run(getattr(personas, persona), invoice)
        invoice.refresh_from_db()
        assert invoice.status == source


def test_a_consultation_only_member_cannot_answer(personas):
    Membership.objects.filter(user=personas.supplier_member).update(can_modify=False)
    with pytest.raises(InvoiceAccessDenied):
        _complete(personas.supplier_member, _supplier_invoice(personas, Status.SUSPENDUE))


def test_a_rejection_is_acknowledged_once(personas):
    invoice = _supplier_invoice(personas, Status.REJETEE)
    _acknowledge(personas.supplier_principal, invoice)
    invoice.refresh_from_db()
    assert invoice.rejection_acknowledged
    with pytest.raises(InvoiceStateError):
        _acknowledge(personas.supplier_member, invoice)


def test_completing_needs_a_document_or_a_comment(personas):
    invoice = _supplier_invoice(personas, Status.SUSPENDUE)
    with pytest.raises(InvoiceError) as caught:
        services.invoice_complete(user=personas.supplier_principal, invoice=invoice, comment=" ")
    assert "comment" in caught.value.errors
    services.invoice_complete(user=personas.supplier_principal, invoice=invoice, comment="Vu")
    invoice.refresh_from_db()
    assert invoice.status == Status.COMPLETEE


def test_completing_keeps_the_documents_with_the_history_step(personas):
    invoice = _supplier_invoice(personas, Status.SUSPENDUE)
    _complete(personas.supplier_member, invoice)
    change = invoice.history.get(to_status=Status.COMPLETEE)
    assert [a.original_name for a in change.attachments.all()] == ["bon-de-livraison.txt"]
    assert change.comment == "Voici le bon"


def test_recycling_changes_only_the_recipient_data_and_keeps_the_number(personas):
    invoice = _supplier_invoice(personas, Status.A_RECYCLER)
    number, total = invoice.number, invoice.total_incl_tax
    services.invoice_recycle(
        user=personas.supplier_principal,
        invoice=invoice,
        recipient_siret=personas.state.identifier,
        service_code="SFACT_MIN_ECO",
        engagement_number="EJ-42",
    )
    invoice.refresh_from_db()
    assert (invoice.number, invoice.total_incl_tax) == (number, total)
    assert (invoice.service, invoice.engagement_number) == (
        personas.state.services.get(code="SFACT_MIN_ECO"),
        "EJ-42",
    )
    assert invoice.made_available_at is None  # out of the old service's sight until routed
    assert "SFACT_MIN_ECO" in invoice.history.get(to_status=Status.DEPOSEE).comment


def test_recycling_checks_the_corrected_recipient_data(personas):
    invoice = _supplier_invoice(personas, Status.A_RECYCLER)
    with pytest.raises(InvoiceError) as caught:
        services.invoice_recycle(
            user=personas.supplier_principal,
            invoice=invoice,
            recipient_siret=personas.state.identifier,
            service_code="SFACT_MIN_ECO",  # requires an EJ
            engagement_number="",
        )
    assert "engagement_number" in caught.value.errors
    invoice.refresh_from_db()
    assert invoice.status == Status.A_RECYCLER


# --- the system's moves ----------------------------------------------------------------------
@pytest.mark.parametrize("source", ALL)
def test_routing_only_moves_invoices_in_a_routing_status(personas, source):
    invoice = invoice_in(personas, source)
    result = services.invoice_route(invoice_id=invoice.pk, expected_status=source)
    invoice.refresh_from_db()
    if source == Status.DEPOSEE:
        assert result == invoice.status == Status.EN_COURS_ACHEMINEMENT
    elif source == Status.EN_COURS_ACHEMINEMENT:
        assert result == invoice.status == Status.MISE_A_DISPOSITION
    else:
        assert result is None
        assert invoice.status == source


@pytest.mark.parametrize("source", ALL)
def test_the_payment_system_only_pays_accounted_invoices(personas, source):
    invoice = invoice_in(personas, source)
    paid = services.invoice_pay_due(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert paid == (source == Status.COMPTABILISEE)
    assert invoice.status == (Status.MISE_EN_PAIEMENT if paid else source)


def test_an_agent_of_a_recipient_without_services_sees_it_through_the_structure(personas):
    user = UserFactory()
    MembershipFactory(user=user, structure=personas.state)
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION, service=None)
    assert _process(user, invoice, Status.COMPTABILISEE).status == Status.COMPTABILISEE
