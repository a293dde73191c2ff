"""The dashboards' summaries stay exact whatever changes the invoices: the services, queryset
``update``, ``bulk_create``, deletions, folds in between. Two witnesses: on PostgreSQL, every
summary key against a recount of the invoices (``summaries.differences``); on every database,
the dashboards' figures read from the summaries against the same figures counted from the
invoices (DASHBOARDS_SUMMARIES off)."""

from __future__ import annotations

import io
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

from dashboards import selectors, summaries
from dashboards.models import SummaryDelta, SummaryTotal
from dashboards.selectors import local_midnight
from invoices import selectors as invoice_selectors
from invoices import services
from invoices.models import Invoice, InvoiceLine, RejectionReason, StatusChange
from invoices.workflow import FINAL, NO_PAYMENT_FRAMES, Status, agent_targets
from tests.dashboards.factories import days_ago
from tests.invoices.factories import InvoiceFactory, deposited, draft, invoice_in, line

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

WAITING = [Status.MISE_A_DISPOSITION, Status.SERVICE_FAIT]
STATUSES = [
    Status.MISE_A_DISPOSITION,
    Status.SERVICE_FAIT,
    Status.COMPTABILISEE,
    Status.MISE_EN_PAIEMENT,
    Status.REJETEE,
    Status.SUSPENDUE,
]


def figures(personas, settings, *, from_summaries: bool) -> dict:  # type: ignore[no-untyped-def]
    settings.DASHBOARDS_SUMMARIES = from_summaries
    today = timezone.localdate()
    found = {}
    for user in (personas.supplier_principal, personas.outsider):
        found[user.email, "sent"] = selectors.sent_by_status(user)
        found[user.email, "months"] = selectors.amounts_per_month(user, today=today)
        found[user.email, "delays"] = selectors.payment_delays(user, today=today)
    for user in (personas.agent, personas.other_agent):
        found[user.email, "received"] = selectors.received_by_status(user)
        found[user.email, "waiting"] = selectors.waiting_by_service(user, today=today)
    return found


def waiting_recount(user) -> int:  # type: ignore[no-untyped-def]
    """What waits for the agent, counted from the invoices without the dashboards' rule: a
    status the agent works on, and a move left to make (A2 accounted: none)."""
    received = invoice_selectors.received_invoices_for(user).filter(
        status__in=selectors.WAITING_FOR_AGENT,
        deposited_at__lt=local_midnight(timezone.localdate() + timedelta(days=1)),
    )
    return sum(1 for invoice in received if agent_targets(invoice))


def assert_exact(personas, settings) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor == "postgresql":
        assert summaries.differences() == []
    from_summaries = figures(personas, settings, from_summaries=True)
    assert from_summaries == figures(personas, settings, from_summaries=False)
    for user in (personas.agent, personas.other_agent):
        queues = from_summaries[user.email, "waiting"]
        assert sum(queue.total for queue in queues) == waiting_recount(user)


# --- the operations ----------------------------------------------------------------------------
def _some(queryset, rng: random.Random, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    """A few of the queryset's invoices chosen by the test's seeded generator (never the
    database's own ``order_by("?")``, which would make the mix differ from run to run)."""
    pks = list(queryset.order_by("pk").values_list("pk", flat=True))
    return rng.sample(pks, min(count, len(pks)))


def _pick(status: str, rng: random.Random) -> Invoice | None:
    found = list(Invoice.objects.filter(status=status).order_by("pk")[:20])
    return rng.choice(found) if found else None


def deposit(personas, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    price = Decimal(rng.randint(1, 900))
    frame = rng.choice(["A1", "A1", "A2"])  # A2: paid already, finished once accounted
    invoice = deposited(personas, lines=[line(unit_price=price)])
    Invoice.objects.filter(pk=invoice.pk).update(billing_frame=frame)


def route(personas, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    invoice = _pick(Status.DEPOSEE, rng)
    if invoice is not None:
        services.invoice_route_through(invoice_id=invoice.pk, expected_status=Status.DEPOSEE)


def decide(target: str, sources: list[str]):  # type: ignore[no-untyped-def]
    def act(personas, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
        invoice = _pick(rng.choice(sources), rng)
        if invoice is None or invoice.service_id != personas.service.pk:
            return
        if target not in agent_targets(invoice):
            return  # e.g. an A2 invoice, which is never put in payment
        extra = {}
        if target == Status.REJETEE:
            extra = {"reason": RejectionReason.objects.get(code="MONTANT_ERRONE"), "comment": "Non"}
        services.invoice_process(user=personas.agent, invoice=invoice, target=target, **extra)

    return act


def delete_a_draft(personas, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    invoice = draft(personas, lines=[line(unit_price=Decimal(rng.randint(1, 50)))])
    InvoiceLine.objects.filter(invoice=invoice).delete()
    StatusChange.objects.filter(invoice=invoice).delete()
    Invoice.objects.filter(pk=invoice.pk).delete()


def bulk_update(personas, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Set-based statements, as a batch pipeline writes them."""
    choice = rng.randrange(5)
    some = Invoice.objects.filter(pk__in=_some(Invoice.objects.all(), rng, 6))
    if choice == 0:
        some.filter(status=Status.MISE_A_DISPOSITION).update(status=Status.SERVICE_FAIT)
    elif choice == 1:  # amounts of paid invoices too: their payment moves with them
        some.update(total_incl_tax=F("total_incl_tax") + 7, amount_due=F("amount_due") + 3)
    elif choice == 2:  # back in time: other months, other age buckets
        some.update(deposited_at=F("deposited_at") - timedelta(days=rng.randint(1, 60)))
    elif choice == 3:
        some.update(currency=rng.choice(["EUR", "USD"]), service=personas.other_service)
    else:  # the frame alone: an accounted invoice finishes (A2) or waits again
        some.update(billing_frame=rng.choice((*NO_PAYMENT_FRAMES, "A1")))


def bulk_insert(personas, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """``bulk_create`` of invoices and of their payments' history rows."""
    rows = []
    for _ in range(rng.randint(1, 5)):
        status = rng.choice(STATUSES)
        rows.append(
            InvoiceFactory.build(
                supplier=rng.choice([personas.acme, personas.globex]),
                recipient=personas.state,
                service=rng.choice([personas.service, personas.other_service, None]),
                status=status,
                billing_frame=rng.choice(["A1", "A2"]),
                deposited_at=days_ago(rng.randint(0, 400)),
                total_incl_tax=Decimal(rng.randint(1, 5000)),
                amount_due=Decimal(rng.randint(1, 5000)),
            )
        )
    created = Invoice.objects.bulk_create(rows)
    StatusChange.objects.bulk_create(
        StatusChange(
            invoice=invoice,
            from_status=Status.COMPTABILISEE,
            to_status=Status.MISE_EN_PAIEMENT,
            at=invoice.deposited_at + timedelta(days=rng.randint(1, 90)),
        )
        for invoice in created
        if invoice.status == Status.MISE_EN_PAIEMENT
    )


def delete_some(personas, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Invoices without documents, with their history (plain querysets, as a purge would)."""
    gone = _some(Invoice.objects.filter(attachments__isnull=True, lines__isnull=True), rng, 2)
    StatusChange.objects.filter(invoice__in=gone).delete()
    Invoice.objects.filter(pk__in=gone).delete()


def fold(personas, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    summaries.fold()


OPERATIONS = [
    deposit,
    route,
    route,
    decide(Status.REJETEE, WAITING),
    decide(Status.COMPTABILISEE, WAITING),
    decide(Status.MISE_EN_PAIEMENT, [Status.COMPTABILISEE]),
    delete_a_draft,
    bulk_update,
    bulk_update,
    bulk_insert,
    bulk_insert,
    delete_some,
    fold,
]


def test_summaries_equal_a_recount_after_a_random_mix_of_operations(personas, settings):
    rng = random.Random(15)
    invoice_in(personas, Status.MISE_A_DISPOSITION, deposited_at=days_ago(40))
    # One accounted A2 invoice from the start, so the checks meet the case whatever the mix does.
    invoice_in(
        personas,
        Status.COMPTABILISEE,
        billing_frame="A2",
        deposited_at=days_ago(20),
        made_available_at=days_ago(19),
    )
    finished_a2 = Invoice.objects.filter(
        status=Status.COMPTABILISEE, billing_frame__in=NO_PAYMENT_FRAMES
    ).exclude(made_available_at=None)
    checked_a2 = 0
    for step in range(70):
        operation = rng.choice(OPERATIONS)
        operation(personas, rng)
        if step % 10 == 9:
            assert_exact(personas, settings)
            checked_a2 += finished_a2.exists()
    assert Invoice.objects.filter(status=Status.MISE_EN_PAIEMENT).exists()
    # The checks met accounted invoices already paid (A2), which wait for nobody.
    assert checked_a2 >= 2
    assert_exact(personas, settings)


def test_a_rebuild_recounts_what_the_triggers_would_have_kept(personas, settings):
    bulk_insert(personas, random.Random(1))
    invoice_in(personas, Status.MISE_A_DISPOSITION)
    summaries.fold()
    if connection.vendor == "postgresql":
        SummaryTotal.objects.update(count=F("count") + 5)  # drifted, by some accident
        assert summaries.differences() != []
    call_command("rebuild_dashboard_summaries", stdout=io.StringIO())
    if connection.vendor == "postgresql":
        assert not SummaryDelta.objects.exists()
    assert_exact(personas, settings)


def test_folding_moves_the_deltas_into_the_totals_and_changes_no_figure(personas, settings):
    for status in STATUSES:
        invoice_in(personas, status)
    before = figures(personas, settings, from_summaries=True)
    if connection.vendor == "postgresql":
        assert SummaryDelta.objects.exists()
    summaries.fold()
    assert not SummaryDelta.objects.exists()
    assert figures(personas, settings, from_summaries=True) == before
    assert_exact(personas, settings)


def test_emptying_the_invoices_empties_the_summaries(personas, settings):
    invoice_in(personas, Status.MISE_A_DISPOSITION)
    summaries.fold()
    if connection.vendor != "postgresql":
        pytest.skip("the summaries are PostgreSQL's")
    invoice_in(personas, Status.COMPTABILISEE)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE invoices_invoice CASCADE")
    assert not SummaryTotal.objects.exists() and not SummaryDelta.objects.exists()


def test_the_statuses_an_agent_works_on_keep_their_day_of_deposit():
    # The received figure drops the day of invoices in a final status: never one that waits.
    assert not set(selectors.WAITING_FOR_AGENT) & set(FINAL)


def test_only_finished_invoices_lose_their_day_of_deposit(personas):
    """The received rows without a day are exactly the finished invoices': final, or accounted
    already paid (A2), which the waiting counts leave out."""
    if connection.vendor != "postgresql":
        pytest.skip("the summaries are PostgreSQL's")
    for frame in ("A1", "A2"):
        for status in STATUSES:
            invoice_in(personas, status, billing_frame=frame)
    dayless = {
        (row.status, row.count)
        for row in SummaryDelta.objects.filter(figure="received", day__isnull=True)
    }
    assert {status for status, _ in dayless} == {
        Status.MISE_EN_PAIEMENT,
        Status.REJETEE,
        Status.COMPTABILISEE,
    }
    finished_a2 = Invoice.objects.filter(status=Status.COMPTABILISEE, billing_frame="A2")
    finished_a2.update(billing_frame="A1")  # the frame alone moves it back among the waiting
    summaries.fold()
    assert not SummaryTotal.objects.filter(
        figure="received", day__isnull=True, status=Status.COMPTABILISEE
    ).exists()
    assert summaries.differences() == []
