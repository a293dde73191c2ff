"""The dashboards: the supplier's (where are my invoices, what was paid, what is late and what
it earns me) and the agent's (what waits for my services, and since when)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chorus import formatting
from dashboards import charts, selectors
from dashboards.interest import current_rates
from invoices.selectors import (
    agent_scope,
    is_agent,
    old_drafts,
    received_invoices_for,
    sent_invoices_for,
    supplier_ids_of,
)
from invoices.workflow import Status
from structures.selectors import supplier_structures_of

# Bar colour per status family (CSS classes of dashboards.css).
STATUS_TONES = {
    Status.REJETEE: "error",
    Status.A_RECYCLER: "warning",
    Status.SUSPENDUE: "warning",
    Status.COMPTABILISEE: "success",
    Status.MISE_EN_PAIEMENT: "success",
}


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The menu's "Tableau de bord": an agent who supplies nobody goes to the agent's one."""
    if is_agent(request.user) and not supplier_structures_of(request.user).exists():
        return redirect("dashboards:agent")
    return redirect("dashboards:supplier")


@login_required
@require_GET
def supplier(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    rates = current_rates()
    suppliers = supplier_ids_of(user)
    by_status = selectors.sent_by_status(user, suppliers=suppliers)
    months = selectors.amounts_per_month(user, today=today, suppliers=suppliers)
    delays = selectors.payment_delays(user, today=today, suppliers=suppliers)
    late = selectors.late_invoices(user, today=today, rates=rates, suppliers=suppliers)
    forgotten = old_drafts(sent_invoices_for(user)).select_related("recipient")
    return render(
        request,
        "dashboards/supplier.html",
        {
            "is_supplier": bool(suppliers),
            "is_agent": is_agent(user),
            "total": sum(by_status.values()),
            "by_status": _status_rows(by_status),
            "status_chart": _status_chart(by_status),
            "months": months,
            "months_chart": _months_chart(months),
            "months_empty": not any(m.deposited_count or m.paid_count for m in months),
            "delays": delays,
            "delays_chart": _delays_chart(delays),
            "late": late,
            "rates": rates,
            "delay_days": settings.INVOICE_PAYMENT_DELAY_DAYS,
            "today": today,
            "old_drafts": list(forgotten[:OLD_DRAFTS_SHOWN]),
            "old_drafts_count": forgotten.count(),
        },
    )


# The oldest drafts the dashboard names; the list of sent invoices has them all.
OLD_DRAFTS_SHOWN = 5


def _status_rows(by_status: dict[str, int]) -> list[tuple[Status, int]]:
    return [(status, by_status[status]) for status in Status if by_status.get(status)]


def _status_chart(by_status: dict[str, int]) -> charts.BarChart:
    return charts.bar_chart(
        [
            (str(status.label), count, formatting.number(count), STATUS_TONES.get(status, "info"))
            for status, count in _status_rows(by_status)
        ]
    )


def _month_labels(months: list[selectors.Month]) -> list[tuple[str, str]]:
    # The year under the first month and under each January.
    return [
        (
            date_format(m.first_day, "M"),
            str(m.first_day.year) if index == 0 or m.first_day.month == 1 else "",
        )
        for index, m in enumerate(months)
    ]


def _months_chart(months: list[selectors.Month]) -> charts.ColumnChart:
    return charts.column_chart(
        _month_labels(months),
        [
            charts.Series(
                name=_("Déposé (TTC)"),
                css="deposited",
                values=[m.deposited for m in months],
                shown=[formatting.amount(m.deposited) for m in months],
            ),
            charts.Series(
                name=_("Mis en paiement (net à payer)"),
                css="paid",
                values=[m.paid for m in months],
                shown=[formatting.amount(m.paid) for m in months],
            ),
        ],
        tick_label=lambda value: formatting.amount(value, decimals=0),
    )


def _delays_chart(delays: list[selectors.RecipientDelay]) -> charts.BarChart:
    return charts.bar_chart(
        [
            (
                d.recipient,
                d.average_days,
                _("%(days)s j") % {"days": formatting.number(d.average_days, 1)},
                "info",
            )
            for d in delays
        ]
    )


# --- agent ---------------------------------------------------------------------------------------
def _age_parts() -> list[tuple[str, str]]:
    names = {
        "week": _("7 jours ou moins"),
        "fortnight": _("8 à 15 jours"),
        "month": _("16 à 30 jours"),
        "overdue": _("Plus de 30 jours"),
    }
    css = {"week": "success", "fortnight": "info", "month": "warning", "overdue": "error"}
    return [(names[b.key], css[b.key]) for b in selectors.AGE_BUCKETS]


def _queue_label(queue: selectors.ServiceQueue) -> str:
    if queue.code:
        return f"{queue.code} — {queue.name}"
    return _("Sans code service (%(name)s)") % {"name": queue.recipient}


def _queues_chart(
    queues: list[selectors.ServiceQueue], parts: list[tuple[str, str]]
) -> charts.StackedChart:
    rows = [(_queue_label(q), [q.counts[b.key] for b in selectors.AGE_BUCKETS]) for q in queues]
    return charts.stacked_chart(rows, parts)


@login_required
@require_GET
def agent(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    scope = agent_scope(user)
    received = received_invoices_for(user, scope)
    queues = selectors.waiting_by_service(user, today=today, scope=scope)
    by_status = selectors.received_by_status(user, scope=scope)
    parts = _age_parts()
    return render(
        request,
        "dashboards/agent.html",
        {
            "is_agent": scope.is_agent,
            "queues": queues,
            "parts": parts,
            "buckets": [b.key for b in selectors.AGE_BUCKETS],
            "waiting_total": sum(q.total for q in queues),
            "overdue_total": sum(q.counts["overdue"] for q in queues),
            "queues_chart": _queues_chart(queues, parts),
            "by_status": _status_rows(by_status),
            "status_chart": _status_chart(by_status),
            "oldest": selectors.oldest_waiting(user, received=received),
            "today": today,
        },
    )
