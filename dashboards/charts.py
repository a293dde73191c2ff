"""Charts drawn on the server as SVG: this module computes the geometry, the templates under
``dashboards/charts/`` draw it. No JavaScript, nothing fetched from elsewhere; each chart is
shown beside a table holding the same numbers, for screen readers and for whoever prefers to
read them.

Colours come from CSS classes (``dashboards.css``) that use the design system's variables, so
the charts follow the light and dark themes; text is drawn in the current text colour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 640
LABEL_WIDTH = 210
VALUE_WIDTH = 90
ROW_HEIGHT = 30
BAR_HEIGHT = 18
LABEL_MAX_CHARS = 30


def shorten(text: str, limit: int = LABEL_MAX_CHARS) -> str:
    """SVG text does not wrap: a long name is cut, the full one goes in a tooltip and the table."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least ``value`` (a readable axis end)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _ratio(value: float | Decimal, top: float) -> float:
    return float(value) / top if top else 0.0


# --- horizontal bars: one value per row -----------------------------------------------------------
@dataclass(frozen=True)
class Bar:
    label: str
    full_label: str
    value_label: str
    y: float
    width: float
    css: str

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW_HEIGHT + 6

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT


def bar_chart(rows: Sequence[tuple[str, float | Decimal, str, str]]) -> BarChart:
    """``rows``: (label, value, value as shown, CSS class); bars share one scale."""
    top = max((float(value) for _label, value, _shown, _css in rows), default=0.0)
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    return BarChart(
        bars=[
            Bar(
                label=shorten(label),
                full_label=label,
                value_label=shown,
                y=index * ROW_HEIGHT + 6,
                width=round(room * _ratio(value, top), 1),
                css=css,
            )
            for index, (label, value, shown, css) in enumerate(rows)
        ]
    )


# --- grouped columns: a few series per category (months) -----------------------------------------
COLUMNS_HEIGHT = 240
AXIS_LEFT = 80
AXIS_BOTTOM = 40
TOP_MARGIN = 12


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    values: Sequence[float | Decimal]
    shown: Sequence[str]


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    css: str
    tooltip: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class CategoryLabel:
    x: float
    label: str
    sublabel: str


@dataclass(frozen=True)
class ColumnChart:
    columns: list[Column]
    ticks: list[Tick]
    categories: list[CategoryLabel]
    series: Sequence[Series]
    width: int = WIDTH
    height: int = COLUMNS_HEIGHT
    axis_left: int = AXIS_LEFT
    baseline: float = COLUMNS_HEIGHT - AXIS_BOTTOM


def column_chart(
    categories: Sequence[tuple[str, str]],
    series: Sequence[Series],
    *,
    tick_label: Callable[[float], str],  # an axis value, written in the reader's language
) -> ColumnChart:
    """``categories``: (label, sub-label) per group; each series has one value per category."""
    top = nice_ceiling(max((float(v) for s in series for v in s.values), default=0.0))
    plot_height = COLUMNS_HEIGHT - AXIS_BOTTOM - TOP_MARGIN
    baseline = COLUMNS_HEIGHT - AXIS_BOTTOM
    group = (WIDTH - AXIS_LEFT) / max(1, len(categories))
    bar = group * 0.8 / max(1, len(series))
    columns = []
    for c_index in range(len(categories)):
        for s_index, one in enumerate(series):
            height = round(plot_height * _ratio(one.values[c_index], top), 1)
            columns.append(
                Column(
                    x=round(AXIS_LEFT + c_index * group + group * 0.1 + s_index * bar, 1),
                    y=round(baseline - height, 1),
                    width=round(bar - 1, 1),
                    height=height,
                    css=one.css,
                    tooltip=f"{categories[c_index][0]} {categories[c_index][1]} — "
                    f"{one.name} : {one.shown[c_index]}",
                )
            )
    ticks = [
        Tick(y=round(baseline - plot_height * step / 4, 1), label=tick_label(top * step / 4))
        for step in range(5)
    ]
    labels = [
        CategoryLabel(x=round(AXIS_LEFT + (i + 0.5) * group, 1), label=label, sublabel=sub)
        for i, (label, sub) in enumerate(categories)
    ]
    return ColumnChart(columns=columns, ticks=ticks, categories=labels, series=series)


# --- stacked bars: parts of a whole per row ------------------------------------------------------
@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    css: str
    value: int
    tooltip: str

    @property
    def label_x(self) -> float:
        return self.x + self.width / 2

    @property
    def labelled(self) -> bool:
        """Wide enough to carry its number inside."""
        return self.value > 0 and self.width >= 18


@dataclass(frozen=True)
class StackedRow:
    label: str
    full_label: str
    y: float
    segments: list[Segment]
    total_label: str
    total_x: float

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2


@dataclass(frozen=True)
class StackedChart:
    rows: list[StackedRow]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH

    @property
    def height(self) -> int:
        return max(1, len(self.rows)) * ROW_HEIGHT + 6

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT


def stacked_chart(
    rows: Sequence[tuple[str, Sequence[int]]], parts: Sequence[tuple[str, str]]
) -> StackedChart:
    """``rows``: (label, one count per part); ``parts``: (name, CSS class) in order."""
    top = max((sum(counts) for _label, counts in rows), default=0)
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    drawn = []
    for index, (label, counts) in enumerate(rows):
        x = float(LABEL_WIDTH)
        segments = []
        for (name, css), count in zip(parts, counts, strict=True):
            width = round(room * _ratio(count, top), 1)
            segments.append(
                Segment(x=x, width=width, css=css, value=count, tooltip=f"{name} : {count}")
            )
            x += width
        drawn.append(
            StackedRow(
                label=shorten(label),
                full_label=label,
                y=index * ROW_HEIGHT + 6,
                segments=segments,
                total_label=str(sum(counts)),
                total_x=x + 6,
            )
        )
    return StackedChart(rows=drawn)
