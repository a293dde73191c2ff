"""The dashboards' summary rows: how many invoices (and how much) per structure, status and
day or month, so that a dashboard reads a few hundred rows whatever the number of invoices.

PostgreSQL keeps them itself (dashboards/summaries.py): triggers on the invoices and their
history append signed deltas in the same transaction as the change, whatever wrote it (a
service, a queryset ``update``, a ``bulk_create``, plain SQL); a beat task folds the deltas
into the totals. A figure is the sum of its totals and its pending deltas, read in one
statement. Plain integer columns, not foreign keys: 0 stands for "none" in the key.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models.functions import Coalesce

NO_DAY = date(1, 1, 1)


class Figure(models.TextChoices):
    # Per supplier, status, currency (euros or not) and month of the deposit: count, TTC total.
    SENT = "sent"
    # Per recipient, service (0: none), status and day of the deposit (none once the invoice is
    # finished, summaries.FINISHED: only the count matters then), made available only.
    RECEIVED = "received"
    # Per supplier, recipient, currency and month of the payment (history rows to
    # MISE_EN_PAIEMENT): count, amount to pay, days from deposit to payment.
    PAID = "paid"


class SummaryRow(models.Model):
    figure = models.CharField(max_length=8, choices=Figure)
    supplier_id = models.BigIntegerField(default=0)
    recipient_id = models.BigIntegerField(default=0)
    service_id = models.BigIntegerField(default=0)
    status = models.CharField(max_length=32, blank=True)
    in_euros = models.BooleanField(default=False)
    # A local day (RECEIVED) or the first day of a local month (SENT, PAID); none for a draft
    # and for a finished received invoice (a final status, or accounted A2).
    day = models.DateField(null=True)
    count = models.BigIntegerField(default=0)
    amount = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    delay_count = models.BigIntegerField(default=0)
    delay_seconds = models.DecimalField(max_digits=24, decimal_places=6, default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.figure} {self.status} {self.day}: {self.count}"


KEY = ("figure", "supplier_id", "recipient_id", "service_id", "status", "in_euros")


class SummaryTotal(SummaryRow):
    """The folded totals: one row per key."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                *KEY, Coalesce("day", models.Value(NO_DAY)), name="dashboards_summary_key"
            )
        ]
        indexes = [
            models.Index(fields=["figure", "service_id", "recipient_id"], name="summary_received")
        ]


class SummaryDelta(SummaryRow):
    """Signed changes not folded yet: only ever inserted (by the triggers) and deleted (by the
    fold), so that concurrent writers never wait on one another's summary row."""

    class Meta:
        indexes = [
            models.Index(fields=["figure", "supplier_id"], name="summary_delta_supplier"),
            models.Index(
                fields=["figure", "service_id", "recipient_id"], name="summary_delta_received"
            ),
        ]
