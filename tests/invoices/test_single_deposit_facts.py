"""A single deposit (a batch of one: the API's POST) reads its facts in one round trip
(invoices/services/_facts.py): the same facts, hence the same verdicts, as the batch's reads."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chorus.models import OutgoingEmail
from invoices import services
from invoices.inputs import InvoiceInput
from invoices.models import AcceptedFrames, Invoice
from invoices.selectors import members_by_structure
from invoices.services import TypedDeposit, deposit_batch
from invoices.services.batch import _Facts, _read_facts
from invoices.workflow import Status
from structures.models import (
    Frequency,
    MandateSignature,
    MandateVersion,
    Membership,
    NoticePreference,
    Structure,
)
from tests.factories import MembershipFactory, UserFactory
from tests.invoices.factories import deposited, header, line
from tests.invoices.test_deposit_batch import bad_inputs, single_verdict
from tests.utils.services import require_postgresql

pytestmark = pytest.mark.django_db


def as_compared(facts: _Facts, recipient: Structure | None) -> dict[str, object]:
    return {
        "refusal": facts.deposit.refusal,
        "taken": facts.deposit.taken,
        "recipients": {siret: s.pk for siret, s in facts.directory.recipients.items()},
        "services": {key: s.pk for key, s in facts.directory.services.items()},
        "may_modify": facts.may_modify,
        "frames": facts.deposit.accepted_frames(recipient) if recipient else None,
    }


def both_ways(user, supplier, data: InvoiceInput) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    """The facts read for this deposit alone, and by a batch of two (the batch's reads)."""
    alone = _read_facts(user, supplier, [TypedDeposit(data, [line()])])
    other = header(recipient_siret="", service_code="", number="")
    batch = _read_facts(user, supplier, [TypedDeposit(data, [line()]), TypedDeposit(other, [])])
    recipient = batch.directory.recipients.get(data.recipient_siret.replace(" ", ""))
    return as_compared(alone, recipient), as_compared(batch, recipient)


def test_a_single_deposit_reads_the_facts_a_batch_reads(personas):
    used = deposited(personas)
    last_year = header(issue_date=date(timezone.localdate().year - 1, 6, 1))
    deposit_batch(user=personas.supplier_member, supplier=personas.acme,
                  deposits=[TypedDeposit(last_year, [line()])])  # fmt: skip
    AcceptedFrames.objects.create(structure=personas.state, frames=["A1", "A2"])
    consulting = UserFactory()
    MembershipFactory(user=consulting, structure=personas.acme, can_modify=False)
    s = personas.state.identifier
    inputs = {
        "plain": header(),
        "spaced siret": header(recipient_siret=f"{s[:3]} {s[3:9]} {s[9:]}", service_code=" "),
        "number used": header(number=used.number),
        "number used last year": header(number=last_year.number),
        "unknown recipient": header(recipient_siret="73282932000074"),
        "no recipient": header(recipient_siret=""),
        "no service": header(service_code=""),
        "unknown service": header(service_code="NOPE"),
        "private recipient": header(recipient_siret=personas.globex.identifier),
        "no number": header(number=""),
    }
    users = {
        "member": personas.supplier_member,
        "principal": personas.supplier_principal,
        "pending": personas.pending_requester,
        "consulting": consulting,
        "outsider": personas.outsider,
    }
    for user_name, user in users.items():
        for name, data in inputs.items():
            alone, batch = both_ways(user, personas.acme, data)
            assert alone == batch, (user_name, name)
    alone, _batch = both_ways(personas.supplier_member, personas.acme, inputs["number used"])
    assert alone["taken"] == {(used.number, used.issue_year)}
    assert alone["frames"] == ["A1", "A2"]
    assert both_ways(consulting, personas.acme, header())[0]["may_modify"] is False


def test_a_single_deposit_reads_the_supplier_as_it_stands(personas):
    acme, member = personas.acme, personas.supplier_member
    states = []
    MandateVersion.objects.create(
        version="v-next", title="Mandat", body="…", published_at=timezone.now() + timedelta(0, 1)
    )  # a new mandate in force: Acme's signature is of the previous one
    states.append(both_ways(member, acme, header()))
    MandateSignature.objects.create(
        structure=acme, mandate=MandateVersion.objects.get(version="v-next"),
        signed_by=personas.supplier_principal,
    )  # fmt: skip
    states.append(both_ways(member, acme, header()))
    MandateSignature.objects.filter(structure=acme).update(revoked_at=timezone.now())
    states.append(both_ways(member, acme, header()))
    Structure.objects.filter(pk=acme.pk).update(is_closed=True)
    acme.refresh_from_db()
    states.append(both_ways(member, acme, header()))
    Structure.objects.filter(pk=acme.pk).update(is_active=False)
    acme.refresh_from_db()
    states.append(both_ways(member, acme, header()))
    Membership.objects.filter(user=member, structure=acme).update(status="PENDING")
    states.append(both_ways(member, acme, header()))

    for alone, batch in states:
        assert alone == batch
    refusals = [alone["refusal"] for alone, _batch in states]
    assert refusals[0] and refusals[2] and refusals[3] and refusals[4] and refusals[5]
    assert refusals[1] is None  # signed again: it may deposit
    assert len(set(refusals)) == 5  # unsigned, closed, inactive, not a member: each its words


def test_a_single_deposit_gets_the_verdict_of_a_step_by_step_deposit(personas):
    for name, (data, lines) in bad_inputs(personas).items():
        expected = single_verdict(personas, data, lines)
        [outcome] = deposit_batch(
            user=personas.supplier_member, supplier=personas.acme,
            deposits=[TypedDeposit(data, lines)],
        )  # fmt: skip
        assert outcome.errors == expected, name
        assert outcome.invoice is None


def test_a_single_deposits_facts_take_one_round_trip(personas):
    require_postgresql()  # elsewhere each read is its own QuerySet
    data = header()
    _read_facts(personas.supplier_member, personas.acme, [TypedDeposit(data, [line()])])  # warm
    with CaptureQueriesContext(connection) as queries:
        facts = _read_facts(personas.supplier_member, personas.acme, [TypedDeposit(data, [line()])])
    assert len(queries.captured_queries) == 1
    assert facts.deposit.refusal is None and facts.may_modify
    assert facts.directory.services  # the recipient and its service found
    assert not Invoice.objects.filter(number=data.number).exclude(status=Status.BROUILLON).exists()


def test_a_deposit_is_told_to_the_users_who_hear_of_it_at_once(personas):
    """Told by the routing batch that claims it (no longer read with the facts): the active,
    approved members who hear of each event at once, as ``members_by_structure`` finds them."""
    acme = personas.acme
    weekly = MembershipFactory(structure=acme, user=UserFactory(email="weekly@acme.test"))
    NoticePreference.objects.create(membership=weekly, invoices=Frequency.WEEKLY)
    MembershipFactory(structure=acme, user=UserFactory(email="gone@acme.test", is_active=False))
    MembershipFactory(structure=acme, user=UserFactory(email="asked@acme.test"), status="PENDING")
    expected = members_by_structure({acme.pk})
    assert sorted(u.email for u in expected[acme.pk]) == ["member@acme.test", "principal@acme.test"]

    [outcome] = deposit_batch(
        user=personas.supplier_member, supplier=acme, deposits=[TypedDeposit(header(), [line()])]
    )
    assert outcome.invoice is not None
    services.invoices_route_batch()
    change = outcome.invoice.history.get(to_status=Status.DEPOSEE)
    queued = OutgoingEmail.objects.filter(key__startswith=f"invoice-status:{change.pk}:")
    assert sorted(queued.values_list("to", flat=True)) == [
        "member@acme.test",
        "principal@acme.test",
    ]


def test_a_supplier_nobody_hears_of_at_once_gets_no_e_mail(personas):
    acme = personas.acme
    for membership in Membership.objects.filter(structure=acme):
        NoticePreference.objects.create(membership=membership, invoices=Frequency.DAILY)
    assert members_by_structure({acme.pk}) == {}

    [outcome] = deposit_batch(
        user=personas.supplier_member, supplier=acme, deposits=[TypedDeposit(header(), [line()])]
    )
    assert outcome.invoice is not None
    services.invoices_route_batch()
    assert not OutgoingEmail.objects.filter(key__startswith="invoice-status:").exists()
