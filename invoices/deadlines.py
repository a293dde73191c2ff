"""The legal payment deadline: a fixed number of days from the deposit (30 for the State)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from invoices.models import Invoice
from invoices.workflow import Status


@dataclass(frozen=True)
class Deadline:
    due_on: date
    days_left: int  # negative once overdue
    paid: bool

    @property
    def overdue(self) -> bool:
        return not self.paid and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)


def payment_deadline(invoice: Invoice, today: date | None = None) -> Deadline | None:
    """None while there is no running delay: a draft, a rejected invoice (or one refused by
    its validator), or one already paid (billing frame A2)."""
    if invoice.deposited_at is None or invoice.status in (
        Status.BROUILLON,
        Status.REJETEE,
        Status.REFUSEE_1,
    ):
        return None
    if invoice.is_paid_already:
        return None
    deposited_on = timezone.localtime(invoice.deposited_at).date()
    due_on = deposited_on + timedelta(days=settings.INVOICE_PAYMENT_DELAY_DAYS)
    today = today or timezone.localdate()
    return Deadline(
        due_on=due_on,
        days_left=(due_on - today).days,
        paid=invoice.status == Status.MISE_EN_PAIEMENT,
    )
