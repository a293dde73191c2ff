"""The dashboards' figures, computed by the database: one aggregate query per figure, whatever
the number of invoices. Every read starts from the invoices selectors' scopes, so a user only
ever counts the invoices their structures sent or their services received.

On PostgreSQL the counts and sums come from the summary rows (dashboards/summaries.py): a few
hundred rows per figure however many invoices there are. Elsewhere (SQLite, or a time zone
other than the one the summaries keep) they are counted from the invoices: the same numbers.

Amounts are in euros: an invoice in another currency is counted in the numbers of invoices but
left out of the sums (adding dollars to euros would mean nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dashboards import summaries
from dashboards.interest import LatePayment, Rates, late_payment
from dashboards.models import Figure
from invoices.models import Currency, Invoice, StatusChange
from invoices.selectors import (
    AgentScope,
    agent_scope,
    received_invoices_for,
    received_status_counts,
    services_handled_by,
    supplier_ids_of,
)
from invoices.workflow import NO_PAYMENT_FRAMES, Status
from structures.models import Service, Structure

if TYPE_CHECKING:
    from accounts.models import User

MONTHS_SHOWN = 12
# Statuses in which an invoice waits for the recipient's agents (a suspended one waits for the
# supplier; a rejected or paid one waits for nobody).
WAITING_FOR_AGENT = [
    Status.MISE_A_DISPOSITION,
    Status.COMPLETEE,
    Status.SERVICE_FAIT,
    Status.MANDATEE,
    Status.COMPTABILISEE,
]


def finished() -> Q:
    """Received invoices that wait for nobody any more although their status is not final: an
    accounted invoice of a frame without a payment step (A2) is done for the agent. The
    summaries keep them without a day (``summaries.FINISHED``, the same rule in SQL)."""
    return Q(status=Status.COMPTABILISEE, billing_frame__in=NO_PAYMENT_FRAMES)


def waiting_for_agent() -> Q:
    """Received invoices that wait for the recipient's agents."""
    return Q(status__in=WAITING_FOR_AGENT) & ~finished()


# No legal delay runs for these (deadlines.payment_deadline says the same).
NO_DEADLINE = [Status.BROUILLON, Status.REJETEE]

# A row of ``values()``, or one built alike from the summaries.
Row = Mapping[str, Any]


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def months_back(today: date, count: int = MONTHS_SHOWN) -> list[date]:
    """The first day of the ``count`` months ending with today's, oldest first."""
    year, month = today.year, today.month
    firsts = []
    for _ in range(count):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]


# --- supplier ------------------------------------------------------------------------------------
# Each figure takes ``suppliers``: the ids of the user's supplier structures, when the page has
# already read them (once per page is enough).
def _suppliers(user: User, suppliers: list[int] | None) -> list[int]:
    return suppliers if suppliers is not None else supplier_ids_of(user)


def _sent(user: User, suppliers: list[int] | None) -> QuerySet[Invoice]:
    return Invoice.objects.filter(supplier_id__in=_suppliers(user, suppliers))


def _received(user: User, received: QuerySet[Invoice] | None) -> QuerySet[Invoice]:
    return received if received is not None else received_invoices_for(user)


def sent_by_status(user: User, *, suppliers: list[int] | None = None) -> dict[str, int]:
    """Sent invoices per status code (drafts included), zeros left out."""
    suppliers = _suppliers(user, suppliers)
    rows: Iterable[Row]
    if summaries.enabled():
        rows = summaries.figure_rows(
            Figure.SENT, Q(supplier_id__in=suppliers), ("status",), n="count"
        )
    else:
        rows = _sent(user, suppliers).order_by().values("status").annotate(n=Count("*"))
    return {row["status"]: row["n"] for row in rows if row["n"]}


@dataclass(frozen=True)
class Month:
    first_day: date
    deposited: Decimal
    deposited_count: int
    paid: Decimal
    paid_count: int


def _by_month(rows: Iterable[Row]) -> dict[date, tuple[Decimal, int]]:
    result = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime):  # truncated in the current time zone
            month = timezone.localtime(month).date()
        result[month] = (row["total"] or Decimal("0"), row["n"])
    return result


def _deposited_and_paid(
    user: User, suppliers: list[int], since: date
) -> tuple[Iterable[Row], Iterable[Row]]:
    """Per month since ``since``: deposits (TTC) and payments (amount to pay), in euros."""
    if summaries.enabled():
        mine = Q(supplier_id__in=suppliers, in_euros=True, day__gte=since)
        sums = {"total": "amount", "n": "count"}
        deposited = summaries.figure_rows(
            Figure.SENT, mine & ~Q(status=Status.BROUILLON), ("day",), **sums
        )
        paid = summaries.figure_rows(Figure.PAID, mine, ("day",), **sums)
        return ({**row, "month": row["day"]} for row in deposited), (
            {**row, "month": row["day"]} for row in paid
        )
    sent = _sent(user, suppliers)
    start = local_midnight(since)
    deposited_rows = (
        sent.filter(deposited_at__gte=start, currency=Currency.EUR)
        .exclude(status=Status.BROUILLON)
        .annotate(month=TruncMonth("deposited_at"))
        .order_by()
        .values("month")
        .annotate(total=Sum("total_incl_tax"), n=Count("id"))
    )
    paid_rows = (
        StatusChange.objects.filter(
            invoice__in=sent,
            to_status=Status.MISE_EN_PAIEMENT,
            at__gte=start,
            invoice__currency=Currency.EUR,
        )
        .annotate(month=TruncMonth("at"))
        .order_by()
        .values("month")
        .annotate(total=Sum("invoice__amount_due"), n=Count("id"))
    )
    return deposited_rows, paid_rows


def amounts_per_month(
    user: User, *, today: date, suppliers: list[int] | None = None
) -> list[Month]:
    """Incl.-tax amounts deposited, and amounts to pay put in payment, per month (euros)."""
    months = months_back(today)
    deposited, paid = _deposited_and_paid(user, _suppliers(user, suppliers), months[0])
    deposited_by_month = _by_month(deposited)
    paid_by_month = _by_month(paid)
    zero = (Decimal("0"), 0)
    return [
        Month(
            first_day=month,
            deposited=deposited_by_month.get(month, zero)[0],
            deposited_count=deposited_by_month.get(month, zero)[1],
            paid=paid_by_month.get(month, zero)[0],
            paid_count=paid_by_month.get(month, zero)[1],
        )
        for month in months
    ]


@dataclass(frozen=True)
class RecipientDelay:
    recipient: str
    identifier: str
    paid_count: int
    average_days: Decimal


def payment_delays(
    user: User, *, today: date, suppliers: list[int] | None = None
) -> list[RecipientDelay]:
    """Average days from deposit to payment, per recipient, over the payments of the last
    twelve months; slowest first."""
    since = months_back(today)[0]
    suppliers = _suppliers(user, suppliers)
    if summaries.enabled():
        delays = _summed_delays(suppliers, since)
    else:
        delays = _counted_delays(_sent(user, suppliers), since)
    return sorted(delays, key=lambda d: (-d.average_days, d.recipient))


def _summed_delays(suppliers: list[int], since: date) -> list[RecipientDelay]:
    rows = summaries.figure_rows(
        Figure.PAID,
        Q(supplier_id__in=suppliers, day__gte=since),
        ("recipient_id",),
        n="count",
        timed="delay_count",
        seconds="delay_seconds",
    )
    names = Structure.objects.in_bulk([row["recipient_id"] for row in rows])
    return [
        RecipientDelay(
            recipient=names[row["recipient_id"]].name,
            identifier=names[row["recipient_id"]].identifier,
            paid_count=row["n"],
            average_days=_days_of(row["seconds"], row["timed"]),
        )
        for row in rows
        if row["n"] and row["recipient_id"] in names
    ]


def _counted_delays(sent: QuerySet[Invoice], since: date) -> list[RecipientDelay]:
    rows = (
        StatusChange.objects.filter(
            invoice__in=sent, to_status=Status.MISE_EN_PAIEMENT, at__gte=local_midnight(since)
        )
        .annotate(
            delay=ExpressionWrapper(
                F("at") - F("invoice__deposited_at"), output_field=DurationField()
            )
        )
        .order_by()
        .values("invoice__recipient__name", "invoice__recipient__identifier")
        .annotate(n=Count("id"), average=Avg("delay"))
    )
    return [
        RecipientDelay(
            recipient=row["invoice__recipient__name"],
            identifier=row["invoice__recipient__identifier"],
            paid_count=row["n"],
            average_days=_days(row["average"]),
        )
        for row in rows
    ]


def _days(duration: timedelta | None) -> Decimal:
    if duration is None:
        return Decimal("0.0")
    return (Decimal(duration.total_seconds()) / 86400).quantize(Decimal("0.1"))


def _days_of(seconds: Decimal, count: int) -> Decimal:
    if not count:
        return Decimal("0.0")
    return (Decimal(seconds) / count / 86400).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class LateInvoice:
    pk: int
    number: str
    recipient: str
    deposited_on: date
    due_on: date
    paid_on: date | None
    amount_due: Decimal
    late: LatePayment


@dataclass(frozen=True)
class LateInvoices:
    invoices: list[LateInvoice]
    rates: Rates

    @property
    def interest(self) -> Decimal:
        return sum((i.late.interest for i in self.invoices), Decimal("0.00"))

    @property
    def fees(self) -> Decimal:
        return sum((i.late.fixed_fee for i in self.invoices), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.interest + self.fees

    @property
    def unpaid_count(self) -> int:
        return sum(1 for i in self.invoices if i.paid_on is None)


def late_invoices(
    user: User, *, today: date, rates: Rates, suppliers: list[int] | None = None
) -> LateInvoices:
    """Invoices (in euros) unpaid past the legal delay, or paid after it, with the interest and
    the fixed fee owed for each; most late first. One query: the payment date is a subquery."""
    delay = timedelta(days=settings.INVOICE_PAYMENT_DELAY_DAYS)
    # Deposited on a day whose deadline has passed: before midnight (today - delay).
    deadline_passed = local_midnight(today - delay)
    paid_at = StatusChange.objects.filter(
        invoice=OuterRef("pk"), to_status=Status.MISE_EN_PAIEMENT
    ).values("at")[:1]
    rows = (
        _sent(user, suppliers)
        .filter(currency=Currency.EUR, deposited_at__lt=deadline_passed)
        .exclude(status__in=NO_DEADLINE)
        .exclude(billing_frame__in=NO_PAYMENT_FRAMES)  # paid before being invoiced (A2)
        .annotate(paid_at=Subquery(paid_at))
        # Paid ones only when paid after the deposit + delay (refined to the day below).
        .filter(~Q(status=Status.MISE_EN_PAIEMENT) | Q(paid_at__gt=F("deposited_at") + delay))
        .order_by("deposited_at", "pk")
        .values("pk", "number", "recipient__name", "deposited_at", "amount_due", "paid_at")
    )
    found = [_late_invoice(row, today=today, delay=delay, rates=rates) for row in rows]
    late = [i for i in found if i.late.days_late > 0]
    return LateInvoices(
        invoices=sorted(late, key=lambda i: (-i.late.days_late, i.number)), rates=rates
    )


def _late_invoice(row: Row, *, today: date, delay: timedelta, rates: Rates) -> LateInvoice:
    deposited_on = timezone.localtime(row["deposited_at"]).date()
    due_on = deposited_on + delay
    paid_on = timezone.localtime(row["paid_at"]).date() if row["paid_at"] else None
    return LateInvoice(
        pk=row["pk"],
        number=row["number"],
        recipient=row["recipient__name"] or "",
        deposited_on=deposited_on,
        due_on=due_on,
        paid_on=paid_on,
        amount_due=row["amount_due"],
        late=late_payment(
            amount=row["amount_due"], due_on=due_on, paid_on=paid_on or today, rates=rates
        ),
    )


# --- agent ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AgeBucket:
    key: str
    min_days: int
    max_days: int | None  # None: no upper bound


# Age since the deposit, the start of the legal delay (30 days for the State).
AGE_BUCKETS = (
    AgeBucket("week", 0, 7),
    AgeBucket("fortnight", 8, 15),
    AgeBucket("month", 16, 30),
    AgeBucket("overdue", 31, None),
)


@dataclass(frozen=True)
class ServiceQueue:
    recipient: str
    code: str
    name: str
    counts: dict[str, int]  # by AgeBucket.key

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _bucket_filter(bucket: AgeBucket, today: date) -> Q:
    """Deposited between ``max_days`` and ``min_days`` days ago (local days)."""
    condition = Q(deposited_at__lt=local_midnight(today - timedelta(days=bucket.min_days - 1)))
    if bucket.max_days is not None:
        condition &= Q(deposited_at__gte=local_midnight(today - timedelta(days=bucket.max_days)))
    return condition


def waiting_by_service(
    user: User, *, today: date, scope: AgentScope | None = None
) -> list[ServiceQueue]:
    """Invoices waiting for the user's services, per service and age bucket; every service the
    user handles is listed, with zeros when nothing waits. Two queries (more only for
    invoices outside the user's services, whose names are read then)."""
    scope = scope if scope is not None else agent_scope(user)
    summed = summaries.enabled()
    if summed:
        rows = _summed_waiting(scope, today)
    else:
        rows = _counted_waiting(received_invoices_for(user, scope), today)
    by_service = {row["service_id"]: row for row in rows if row["service_id"] is not None}
    queues = [
        _queue(service, by_service.pop(service.pk, None)) for service in services_handled_by(user)
    ]
    # Invoices addressed to a structure without a service (one row per structure), and those
    # of a service the user no longer handles but still sees.
    leftovers = [[row for row in rows if row["service_id"] is None], list(by_service.values())]
    if summed:
        leftovers = [_named(part) for part in leftovers]
    return queues + [_queue(None, row) for part in leftovers for row in part]


def _counted_waiting(received: QuerySet[Invoice], today: date) -> list[Row]:
    counts = {
        bucket.key: Count("id", filter=_bucket_filter(bucket, today)) for bucket in AGE_BUCKETS
    }
    return list(
        received.filter(waiting_for_agent())
        .order_by("recipient__name")
        .values("service_id", "service__code", "service__name", "recipient__name")
        .annotate(**counts)
    )


def _in_bucket(bucket: AgeBucket, deposited_on: date | None, today: date) -> bool:
    """``_bucket_filter``'s condition on a local day of deposit."""
    if deposited_on is None or deposited_on > today - timedelta(days=bucket.min_days):
        return False
    return bucket.max_days is None or deposited_on >= today - timedelta(days=bucket.max_days)


def _summary_scope(scope: AgentScope) -> Q:
    """The agent's scope over the summary rows (service 0: addressed to no service)."""
    condition = Q(pk__in=[])
    if scope.services:
        condition |= Q(service_id__in=scope.services)
    if scope.structures:
        condition |= Q(service_id=0, recipient_id__in=scope.structures)
    return condition


def _summed_waiting(scope: AgentScope, today: date) -> list[Row]:
    """``_counted_waiting``'s rows, from the summaries: per service (or structure, without a
    service) and day of deposit."""
    # The rows without a day are the finished invoices' (``finished``): left out.
    days = summaries.figure_rows(
        Figure.RECEIVED,
        _summary_scope(scope) & Q(status__in=WAITING_FOR_AGENT, day__isnull=False),
        ("service_id", "recipient_id", "day"),
        n="count",
    )
    queues: dict[tuple[int, int], dict[str, int]] = {}
    for row in days:
        counts = queues.setdefault((row["service_id"], row["recipient_id"]), {})
        for bucket in AGE_BUCKETS:
            if _in_bucket(bucket, row["day"], today):
                counts[bucket.key] = counts.get(bucket.key, 0) + row["n"]
    return [
        {
            "service_id": service or None,
            "recipient_id": recipient,
            **{bucket.key: counts.get(bucket.key, 0) for bucket in AGE_BUCKETS},
        }
        for (service, recipient), counts in queues.items()
    ]


def _named(rows: list[Row]) -> list[Row]:
    """``_summed_waiting``'s rows with the names ``_counted_waiting`` reads, in its order."""
    if not rows:
        return []
    services = Service.objects.in_bulk([row["service_id"] for row in rows if row["service_id"]])
    recipients = Structure.objects.in_bulk([row["recipient_id"] for row in rows])
    named = []
    for row in rows:
        service, recipient = services.get(row["service_id"]), recipients.get(row["recipient_id"])
        named.append(
            {
                **row,
                "service__code": service.code if service else None,
                "service__name": service.name if service else None,
                "recipient__name": recipient.name if recipient else None,
            }
        )
    return sorted(named, key=lambda row: row["recipient__name"] or "")


def _queue(service: Service | None, row: Row | None) -> ServiceQueue:
    counts = {bucket.key: (row or {}).get(bucket.key, 0) for bucket in AGE_BUCKETS}
    if service is not None:
        return ServiceQueue(service.structure.name, service.code, service.name, counts)
    assert row is not None
    return ServiceQueue(
        row["recipient__name"] or "", row["service__code"] or "", row["service__name"] or "", counts
    )


def received_by_status(user: User, *, scope: AgentScope | None = None) -> dict[str, int]:
    scope = scope if scope is not None else agent_scope(user)
    if not summaries.enabled():
        counts = received_status_counts(scope)
        return {status: n for status, n in counts.items() if n}
    rows = summaries.figure_rows(Figure.RECEIVED, _summary_scope(scope), ("status",), n="count")
    return {row["status"]: row["n"] for row in rows if row["n"]}


def oldest_waiting(
    user: User, *, limit: int = 10, received: QuerySet[Invoice] | None = None
) -> list[Invoice]:
    return list(
        _received(user, received)
        .filter(waiting_for_agent())
        .select_related("supplier", "service")
        .order_by("deposited_at", "pk")[:limit]
    )
