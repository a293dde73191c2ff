"""The dashboards' figures: right, scoped to the user's structures, and computed by queries
whose number does not depend on the number of invoices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import selectors
from dashboards.interest import Rates
from invoices.workflow import Status
from tests.dashboards.factories import at, days_ago, paid, sent
from tests.factories import MembershipFactory, PublicStructureFactory, ServiceFactory
from tests.invoices.factories import invoice_in

pytestmark = pytest.mark.django_db

RATES = Rates(ecb_rate=Decimal("2.15"), margin_points=Decimal("10"), fixed_fee=Decimal("40"))


def test_months_back_ends_with_the_current_month_across_a_new_year():
    months = selectors.months_back(date(2025, 2, 17), count=4)
    assert months == [date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]


def test_statuses_count_the_invoices_of_the_users_structures_only(personas):
    sent(personas, status=Status.REJETEE, deposited=days_ago(3))
    sent(personas, status=Status.REJETEE, deposited=days_ago(2))
    sent(personas, status=Status.MISE_A_DISPOSITION, deposited=days_ago(1))
    invoice_in(personas, Status.REJETEE, supplier=personas.globex)
    assert selectors.sent_by_status(personas.supplier_member) == {
        Status.REJETEE: 2,
        Status.MISE_A_DISPOSITION: 1,
    }
    assert selectors.sent_by_status(personas.pending_requester) == {}


def test_amounts_per_month_add_deposits_and_payments_in_euros_only(personas):
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    sent(personas, status=Status.MISE_A_DISPOSITION, deposited=at(last_month), amount="100.50")
    paid(personas, deposited=at(last_month), paid_at=at(this_month), amount="200.00")
    sent(personas, status=Status.DEPOSEE, deposited=at(this_month), amount="50.00", currency="USD")
    # Thirteen months ago: outside the chart.
    sent(personas, status=Status.MISE_A_DISPOSITION, deposited=at(this_month - timedelta(days=400)))
    sent(
        personas,
        status=Status.MISE_A_DISPOSITION,
        deposited=at(this_month),
        supplier=personas.globex,
    )

    months = selectors.amounts_per_month(personas.supplier_principal, today=today)

    assert len(months) == 12 and months[-1].first_day == this_month
    assert (months[-2].deposited, months[-2].deposited_count) == (Decimal("300.50"), 2)
    assert (months[-2].paid, months[-2].paid_count) == (0, 0)
    assert (months[-1].deposited, months[-1].deposited_count) == (0, 0)
    assert (months[-1].paid, months[-1].paid_count) == (Decimal("200.00"), 1)
    assert sum(m.deposited_count for m in months[:-2]) == 0


def test_payment_delays_average_the_days_from_deposit_to_payment_per_recipient(personas):
    paid(personas, deposited=days_ago(40), paid_at=days_ago(30))
    paid(personas, deposited=days_ago(30), paid_at=days_ago(10))
    commune = PublicStructureFactory(name="Commune de Brive")
    paid(
        personas,
        deposited=days_ago(12),
        paid_at=days_ago(7),
        recipient=commune,
        service=ServiceFactory(structure=commune),
    )
    paid(personas, deposited=days_ago(90), paid_at=days_ago(1), supplier=personas.globex)

    delays = selectors.payment_delays(personas.supplier_principal, today=timezone.localdate())

    assert [(d.recipient, d.paid_count, d.average_days) for d in delays] == [
        ("État", 2, Decimal("15.0")),
        ("Commune de Brive", 1, Decimal("5.0")),
    ]


def test_late_invoices_owe_interest_until_payment_or_today(personas):
    today = timezone.localdate()
    unpaid = sent(personas, status=Status.MISE_A_DISPOSITION, deposited=days_ago(40), amount="1000")
    paid_late = paid(personas, deposited=days_ago(50), paid_at=days_ago(5), amount="365")
    paid(personas, deposited=days_ago(50), paid_at=days_ago(25))  # paid on day 25: in time
    sent(personas, status=Status.MISE_A_DISPOSITION, deposited=days_ago(30))  # due today
    sent(personas, status=Status.REJETEE, deposited=days_ago(60))  # no delay runs
    sent(personas, status=Status.SUSPENDUE, deposited=days_ago(60), currency="USD")
    sent(personas, status=Status.SUSPENDUE, deposited=days_ago(60), supplier=personas.globex)

    late = selectors.late_invoices(personas.supplier_principal, today=today, rates=RATES)

    assert [(i.number, i.late.days_late, i.paid_on) for i in late.invoices] == [
        (paid_late.number, 15, today - timedelta(days=5)),
        (unpaid.number, 10, None),
    ]
    # 365 € × 12,15 % × 15 / 365 = 1,82 €; 1 000 € × 12,15 % × 10 / 365 = 3,33 €.
    assert [i.late.interest for i in late.invoices] == [Decimal("1.82"), Decimal("3.33")]
    assert (late.interest, late.fees, late.total) == (
        Decimal("5.15"),
        Decimal("80.00"),
        Decimal("85.15"),
    )
    assert late.unpaid_count == 1


def test_the_agent_sees_waiting_invoices_per_service_by_age(personas):
    for days in (0, 7, 8, 20, 31, 45):
        sent(personas, status=Status.MISE_A_DISPOSITION, deposited=days_ago(days))
    sent(personas, status=Status.COMPTABILISEE, deposited=days_ago(2))
    sent(personas, status=Status.SUSPENDUE, deposited=days_ago(2))  # waits for the supplier
    sent(personas, status=Status.MISE_EN_PAIEMENT, deposited=days_ago(2))  # done
    sent(
        personas,
        status=Status.MISE_A_DISPOSITION,
        deposited=days_ago(2),
        service=personas.other_service,
    )

    queues = selectors.waiting_by_service(personas.agent, today=timezone.localdate())

    assert [(q.code, q.counts, q.total) for q in queues] == [
        ("FACTURES_PUBLIQUES", {"week": 3, "fortnight": 1, "month": 1, "overdue": 2}, 7)
    ]


@pytest.mark.parametrize("from_summaries", [True, False])
def test_an_accounted_invoice_already_paid_waits_for_nobody(
    client, personas, settings, from_summaries
):
    """A2 (paid already): once accounted there is no payment step left, so the invoice no
    longer waits for the agent; still counted among the accounted ones."""
    settings.DASHBOARDS_SUMMARIES = from_summaries
    done = sent(personas, status=Status.COMPTABILISEE, deposited=days_ago(40), billing_frame="A2")
    open_a2 = sent(personas, status=Status.SERVICE_FAIT, deposited=days_ago(40), billing_frame="A2")
    accounted = sent(personas, status=Status.COMPTABILISEE, deposited=days_ago(3))

    queues = selectors.waiting_by_service(personas.agent, today=timezone.localdate())
    assert [(q.code, q.counts, q.total) for q in queues] == [
        ("FACTURES_PUBLIQUES", {"week": 1, "fortnight": 0, "month": 0, "overdue": 1}, 2)
    ]
    assert selectors.oldest_waiting(personas.agent) == [open_a2, accounted]
    assert done not in selectors.oldest_waiting(personas.agent)
    assert selectors.received_by_status(personas.agent) == {
        Status.COMPTABILISEE: 2,
        Status.SERVICE_FAIT: 1,
    }
    client.force_login(personas.agent)
    page = client.get(reverse("dashboards:agent")).content.decode()
    assert '2</p><p class="chorus-kpi__label">factures attendent une action' in page
    # Overdue: the open A2 only.
    assert '1</p><p class="chorus-kpi__label">déposée il y a plus de 30 jours' in page


def test_an_agent_with_nothing_waiting_still_sees_their_services(personas):
    queues = selectors.waiting_by_service(personas.other_agent, today=timezone.localdate())
    assert [(q.code, q.total) for q in queues] == [("SFACT_MIN_INT", 0)]
    assert (
        selectors.waiting_by_service(personas.supplier_principal, today=timezone.localdate()) == []
    )


def test_the_oldest_waiting_invoices_come_first(personas):
    newer = sent(personas, status=Status.COMPLETEE, deposited=days_ago(3))
    older = sent(personas, status=Status.MISE_A_DISPOSITION, deposited=days_ago(9))
    sent(personas, status=Status.REJETEE, deposited=days_ago(20))
    assert selectors.oldest_waiting(personas.agent) == [older, newer]


def test_invoices_without_a_service_are_counted_per_recipient_structure(personas):
    commune = PublicStructureFactory(name="Commune de Brive")
    MembershipFactory(user=personas.agent, structure=commune)
    sent(personas, status=Status.MISE_A_DISPOSITION, deposited=days_ago(2), service=None)
    sent(
        personas,
        status=Status.MISE_A_DISPOSITION,
        deposited=days_ago(40),
        service=None,
        recipient=commune,
    )

    queues = selectors.waiting_by_service(personas.agent, today=timezone.localdate())

    # The agent's membership of the commune names no service (its invoices addressed to none
    # are theirs); that of the State names one (those of the State are not).
    assert [(q.recipient, q.code, q.total) for q in queues] == [
        ("État", "FACTURES_PUBLIQUES", 0),
        ("Commune de Brive", "", 1),
    ]
