"""The invoice arithmetic: EN 16931 rounding, VAT breakdown and totals derived from the lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from einvoice.data import (
    FIELD_BY_BUSINESS_TERM,
    InvoiceDataError,
    Totals,
    computed,
    line_net_amount,
    round_amount,
)

from .samples import D, invoice, line, varied_invoices


def test_amounts_are_rounded_half_up_to_the_cent():
    assert round_amount(D("2.345")) == D("2.35")
    assert round_amount(D("2.344999")) == D("2.34")
    assert round_amount(D("-2.345")) == D("-2.35")


def test_a_line_net_is_quantity_times_price_minus_its_discount():
    assert line_net_amount(line("1", "12", "8.3333", allowance_amount=D("5"))) == D("95.00")
    assert line_net_amount(line("1", "3", "12.333")) == D("37.00")


def test_vat_is_computed_once_per_rate_on_the_sum_of_the_lines():
    # Ten lines of 0.05 at 5.5 %: rounding each line's VAT would give 10 × 0.00; BR-CO-17
    # wants one figure per rate, 0.50 × 5.5 % = 0.0275 → 0.03.
    lines = tuple(line(str(i), "1", "0.05", vat_rate=D("5.5")) for i in range(10))
    data = computed(invoice(lines=lines))
    assert len(data.vat_breakdown) == 1
    assert data.vat_breakdown[0].taxable_amount == D("0.50")
    assert data.vat_breakdown[0].tax_amount == D("0.03")


def test_totals_follow_the_en16931_equations():
    data = computed(varied_invoices()["several_rates"])
    totals = data.totals
    assert totals is not None
    assert totals.line_total == sum(line.net_amount for line in data.lines)  # BR-CO-10
    assert totals.tax_basis_total == totals.line_total  # BR-CO-13 (no document allowance)
    assert totals.tax_total == sum(entry.tax_amount for entry in data.vat_breakdown)  # BR-CO-14
    assert totals.grand_total == totals.tax_basis_total + totals.tax_total  # BR-CO-15
    assert totals.amount_due == totals.grand_total  # BR-CO-16
    assert {entry.rate for entry in data.vat_breakdown} == {
        D("20"),
        D("5.5"),
        D("10"),
        D("2.1"),
    }


def test_a_prepaid_amount_is_kept_and_lowers_the_amount_due():
    paid = Totals(
        line_total=D(0),
        tax_basis_total=D(0),
        tax_total=D(0),
        grand_total=D(0),
        amount_due=D(0),
        prepaid_amount=D("100"),
    )
    totals = computed(invoice(totals=paid)).totals
    assert totals is not None
    assert totals.prepaid_amount == D("100.00")
    assert totals.amount_due == totals.grand_total - D("100")


def test_exempt_lines_get_no_vat_and_carry_their_reason_into_the_breakdown():
    data = computed(varied_invoices()["exempt"])
    exempt = next(entry for entry in data.vat_breakdown if entry.category == "E")
    assert exempt.rate == Decimal("0")
    assert exempt.tax_amount == Decimal("0")
    assert "261" in exempt.exemption_reason


def test_an_exempt_line_without_a_reason_is_refused():
    with pytest.raises(InvoiceDataError, match="motif"):
        computed(invoice(lines=(line("1", "1", "10", vat_category="E", vat_rate=None),)))


def test_reverse_charge_gets_the_standard_wording():
    data = computed(invoice(lines=(line("1", "1", "10", vat_category="AE", vat_rate=None),)))
    assert data.vat_breakdown[0].exemption_reason == "Autoliquidation"


@pytest.mark.parametrize(
    "bad_line",
    [
        line("1", "1", "10", vat_rate=D("0")),
        line("1", "1", "10", vat_category="Z", vat_rate=D("5.5")),
        line("1", "1", "10", vat_category="X"),
    ],
    ids=["standard_rate_zero", "zero_rated_with_a_rate", "unknown_category"],
)
def test_inconsistent_vat_on_a_line_is_refused(bad_line):
    with pytest.raises(InvoiceDataError):
        computed(invoice(lines=(bad_line,)))


def test_an_invoice_without_lines_cannot_be_generated():
    with pytest.raises(InvoiceDataError):
        computed(invoice(lines=()))


def test_not_subject_to_vat_lines_have_no_rate():
    data = computed(invoice(lines=(line("1", "1", "10", vat_category="O", vat_rate=None),)))
    assert data.lines[0].vat_rate is None
    assert data.vat_breakdown[0].rate is None


@pytest.mark.parametrize("term", sorted(FIELD_BY_BUSINESS_TERM))
def test_each_business_term_points_at_a_field_of_the_invoice(term):
    value: object = computed(varied_invoices()["credit_note"])
    for name in FIELD_BY_BUSINESS_TERM[term].split("."):
        if isinstance(value, tuple):
            value = value[0]
        assert hasattr(value, name), (term, name)
        value = getattr(value, name)
