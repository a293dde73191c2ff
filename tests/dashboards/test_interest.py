from __future__ import annotations

from datetime import date
from decimal import Decimal

from dashboards.interest import Rates, current_rates, late_payment

RATES = Rates(ecb_rate=Decimal("2.15"), margin_points=Decimal("10"), fixed_fee=Decimal("40"))


def test_nothing_is_owed_for_an_invoice_paid_on_its_due_date():
    late = late_payment(
        amount=Decimal("1000"), due_on=date(2025, 3, 1), paid_on=date(2025, 3, 1), rates=RATES
    )
    assert (late.days_late, late.interest, late.fixed_fee, late.total) == (0, 0, 0, 0)


def test_interest_runs_from_the_day_after_the_due_date_at_the_ecb_rate_plus_the_margin():
    # 10 000 € × 12,15 % × 30 / 365 = 99,863… → 99,86 €; plus the fixed 40 € fee.
    late = late_payment(
        amount=Decimal("10000"), due_on=date(2025, 3, 1), paid_on=date(2025, 3, 31), rates=RATES
    )
    assert late.days_late == 30
    assert late.interest == Decimal("99.86")
    assert late.fixed_fee == Decimal("40.00")
    assert late.total == Decimal("139.86")


def test_one_day_late_already_owes_the_fixed_fee():
    late = late_payment(
        amount=Decimal("120"), due_on=date(2025, 3, 1), paid_on=date(2025, 3, 2), rates=RATES
    )
    assert (late.days_late, late.interest, late.fixed_fee) == (1, Decimal("0.04"), Decimal("40.00"))


def test_the_rates_are_settings(settings):
    settings.LATE_PAYMENT = {
        "ECB_RATE": Decimal("4.5"),
        "MARGIN_POINTS": Decimal("8"),
        "FIXED_FEE": Decimal("40"),
    }
    rates = current_rates()
    assert rates.annual_rate == Decimal("12.5")
    late = late_payment(
        amount=Decimal("365"), due_on=date(2025, 1, 1), paid_on=date(2025, 1, 11), rates=rates
    )
    assert late.interest == Decimal("1.25")
