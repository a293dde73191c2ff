"""The charts' geometry: bars on one scale, readable axis ends, parts that add up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dashboards import charts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 1),
        (0.7, 1),
        (1, 1),
        (1.2, 2),
        (2.2, 2.5),
        (3, 5),
        (7, 10),
        (1234.56, 2000),
        (40_001, 50_000),
    ],
)
def test_an_axis_ends_on_a_readable_number(value, expected):
    assert charts.nice_ceiling(value) == expected


def test_bars_share_one_scale_and_long_labels_are_cut():
    chart = charts.bar_chart(
        [
            ("Un destinataire au nom vraiment très très long", 10, "10", "info"),
            ("Court", 5, "5", "info"),
        ]
    )
    first, second = chart.bars
    assert second.width == pytest.approx(first.width / 2)
    assert first.label.endswith("…") and len(first.label) == charts.LABEL_MAX_CHARS
    assert first.full_label.startswith("Un destinataire") and second.label == "Court"
    assert chart.height == 2 * charts.ROW_HEIGHT + 6


def test_a_chart_of_zeros_draws_no_bar():
    chart = charts.bar_chart([("Rien", 0, "0", "info")])
    assert chart.bars[0].width == 0


def test_columns_stand_on_the_baseline_and_ticks_climb_to_the_axis_end():
    chart = charts.column_chart(
        [("janv.", "2025"), ("févr.", "")],
        [
            charts.Series("Déposé", "deposited", [Decimal("1500"), Decimal("0")], ["1 500", "0"]),
            charts.Series("Payé", "paid", [Decimal("750"), Decimal("2000")], ["750", "2 000"]),
        ],
        tick_label=lambda v: f"{v:.0f}",
    )
    assert len(chart.columns) == 4
    for column in chart.columns:
        assert column.y + column.height == pytest.approx(chart.baseline)
    tallest = max(chart.columns, key=lambda c: c.height)
    assert tallest.y == pytest.approx(charts.TOP_MARGIN)  # 2 000 is the axis end
    assert [t.label for t in chart.ticks] == ["0", "500", "1000", "1500", "2000"]
    assert "févr." in chart.columns[3].tooltip and "2 000" in chart.columns[3].tooltip


def test_stacked_parts_add_up_to_the_row():
    chart = charts.stacked_chart(
        [("A", [1, 0, 2, 1]), ("B", [0, 0, 0, 2])],
        [("≤ 7 j", "success"), ("8–15 j", "info"), ("16–30 j", "warning"), ("> 30 j", "error")],
    )
    row_a, row_b = chart.rows
    widths = [s.width for s in row_a.segments]
    assert sum(widths) == pytest.approx(2 * sum(s.width for s in row_b.segments))
    assert row_a.total_label == "4" and row_b.total_label == "2"
    assert [s.labelled for s in row_a.segments] == [True, False, True, True]
