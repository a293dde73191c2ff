"""Invoices with a past: deposited, paid or sent back on chosen days, for the dashboards."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from invoices.models import Invoice, StatusChange
from invoices.workflow import Status
from tests.invoices.factories import invoice_in


def at(day: date, hour: int = 10) -> datetime:
    """An aware moment on a local day."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


def days_ago(days: int, hour: int = 10) -> datetime:
    return at(timezone.localdate() - timedelta(days=days), hour)


def sent(personas, *, status: str, deposited: datetime, amount: str = "120.00", **extra) -> Invoice:  # type: ignore[no-untyped-def]
    """An invoice of Acme to the State's service, deposited at ``deposited``."""
    total = Decimal(amount)
    return invoice_in(
        personas,
        status,
        deposited_at=deposited,
        total_incl_tax=total,
        amount_due=total,
        **extra,
    )


def paid(
    personas, *, deposited: datetime, paid_at: datetime, amount: str = "120.00", **extra
) -> Invoice:  # type: ignore[no-untyped-def]
    invoice = sent(
        personas, status=Status.MISE_EN_PAIEMENT, deposited=deposited, amount=amount, **extra
    )
    StatusChange.objects.create(
        invoice=invoice,
        from_status=Status.COMPTABILISEE,
        to_status=Status.MISE_EN_PAIEMENT,
        at=paid_at,
    )
    return invoice
