"""Amounts as EN 16931 computes them: nets to the cent, VAT once per rate, totals that add up."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from invoices.totals import (
    VAT_RATES,
    LineAmounts,
    compute_totals,
    is_french_vat_rate,
    line_net,
    to_cents,
)

quantities = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("10000"), places=4)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=4)
rates = st.sampled_from(VAT_RATES)


@st.composite
def lines(draw):  # type: ignore[no-untyped-def]
    quantity = draw(quantities)
    price = draw(prices)
    gross = to_cents(quantity * price)
    discount = draw(st.decimals(min_value=Decimal("0"), max_value=gross, places=2))
    return LineAmounts(quantity, price, discount, draw(rates))


invoices = st.lists(lines(), min_size=1, max_size=12)


def test_a_line_net_is_rounded_half_up_to_the_cent():
    assert line_net(Decimal("3"), Decimal("0.335")) == Decimal("1.01")  # 1.005 → 1.01
    assert line_net(Decimal("1"), Decimal("10.004"), Decimal("0")) == Decimal("10.00")
    assert line_net(Decimal("2"), Decimal("50"), Decimal("10")) == Decimal("90.00")


def test_vat_is_computed_on_the_sum_of_the_nets_of_a_rate_not_line_by_line():
    # Three lines of 0.05 at 20 %: line by line the VAT would be 3 × 0.01 = 0.03;
    # on the sum (0.15) it is 0.03 as well, but with 0.025 lines the two methods differ.
    rows = [LineAmounts(Decimal("1"), Decimal("0.13"), Decimal("0"), Decimal("5.5"))] * 3
    totals = compute_totals(rows)
    assert totals.total_excl_tax == Decimal("0.39")
    assert totals.total_vat == Decimal("0.02")  # 0.39 × 5.5 % = 0.02145 → 0.02
    line_by_line = sum(to_cents(Decimal("0.13") * Decimal("0.055")) for _ in rows)
    assert line_by_line == Decimal("0.03")  # what EN 16931 avoids


def test_the_breakdown_has_one_entry_per_rate_highest_first():
    totals = compute_totals(
        [
            LineAmounts(Decimal("1"), Decimal("100"), Decimal("0"), Decimal("5.5")),
            LineAmounts(Decimal("1"), Decimal("10"), Decimal("0"), Decimal("20")),
            LineAmounts(Decimal("2"), Decimal("10"), Decimal("0"), Decimal("20.0")),
        ]
    )
    assert [(e.rate, e.base, e.amount) for e in totals.breakdown] == [
        (Decimal("20"), Decimal("30.00"), Decimal("6.00")),
        (Decimal("5.5"), Decimal("100.00"), Decimal("5.50")),
    ]


def test_only_french_rates_are_accepted():
    assert all(is_french_vat_rate(rate) for rate in VAT_RATES)
    assert is_french_vat_rate(Decimal("5.50"))
    assert not is_french_vat_rate(Decimal("19.6"))
    assert not is_french_vat_rate(Decimal("7"))


@given(invoices)
def test_totals_are_the_sum_of_the_per_rate_bases_and_vat(rows):
    totals = compute_totals(rows)
    assert totals.total_excl_tax == sum(e.base for e in totals.breakdown)
    assert totals.total_vat == sum(e.amount for e in totals.breakdown)
    assert totals.total_incl_tax == totals.total_excl_tax + totals.total_vat
    assert totals.amount_due == totals.total_incl_tax
    assert totals.total_excl_tax == sum(
        line_net(r.quantity, r.unit_price, r.discount) for r in rows
    )


@given(invoices)
def test_every_amount_is_in_cents(rows):
    totals = compute_totals(rows)
    amounts = [totals.total_excl_tax, totals.total_vat, totals.total_incl_tax]
    amounts += [e.base for e in totals.breakdown] + [e.amount for e in totals.breakdown]
    assert all(amount == to_cents(amount) for amount in amounts)
    assert all(amount.as_tuple().exponent == -2 for amount in amounts)


@given(invoices, st.randoms())
def test_totals_do_not_depend_on_the_order_of_the_lines(rows, random):
    shuffled = list(rows)
    random.shuffle(shuffled)
    assert compute_totals(rows) == compute_totals(shuffled)


@given(invoices)
def test_the_vat_of_a_rate_is_within_half_a_cent_of_the_exact_vat(rows):
    for entry in compute_totals(rows).breakdown:
        assert abs(entry.amount - entry.base * entry.rate / 100) <= Decimal("0.005")


@given(invoices, st.decimals(min_value=Decimal("0"), max_value=Decimal("1000"), places=2))
def test_the_amount_due_is_the_total_less_what_was_already_paid(rows, prepaid):
    totals = compute_totals(rows, prepaid=prepaid)
    assert totals.amount_due == totals.total_incl_tax - prepaid
