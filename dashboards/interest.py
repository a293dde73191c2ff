"""Late-payment interest: what a supplier is owed when an invoice is paid after the legal delay.

Interest runs from the day after the due date until the payment date (or today, while unpaid),
at the ECB's rate plus a margin, on the amount to pay; a fixed recovery fee is owed once per
late invoice. Both come from ``settings.LATE_PAYMENT`` so that an administrator updates the ECB
rate each semester without a release. Pure functions: the selectors give the facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")
DAYS_IN_YEAR = Decimal(365)


@dataclass(frozen=True)
class Rates:
    ecb_rate: Decimal  # percent per year
    margin_points: Decimal  # percentage points added to the ECB rate
    fixed_fee: Decimal  # euros per late invoice

    @property
    def annual_rate(self) -> Decimal:
        return self.ecb_rate + self.margin_points


def current_rates() -> Rates:
    config = settings.LATE_PAYMENT
    return Rates(
        ecb_rate=config["ECB_RATE"],
        margin_points=config["MARGIN_POINTS"],
        fixed_fee=config["FIXED_FEE"],
    )


@dataclass(frozen=True)
class LatePayment:
    days_late: int
    interest: Decimal
    fixed_fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.interest + self.fixed_fee


def late_payment(*, amount: Decimal, due_on: date, paid_on: date, rates: Rates) -> LatePayment:
    """Interest on ``amount`` for each day after ``due_on`` up to ``paid_on`` (simple interest,
    365-day year, rounded to the cent). Nothing is owed for an invoice paid in time."""
    days = (paid_on - due_on).days
    if days <= 0:
        return LatePayment(days_late=0, interest=Decimal("0.00"), fixed_fee=Decimal("0.00"))
    interest = amount * rates.annual_rate / 100 * days / DAYS_IN_YEAR
    return LatePayment(
        days_late=days,
        interest=interest.quantize(CENT, rounding=ROUND_HALF_UP),
        fixed_fee=rates.fixed_fee.quantize(CENT),
    )
