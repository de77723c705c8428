"""Geometry of the dashboard's SVG charts, laid out on the server (no script, no inline style:
the Content Security Policy allows neither). Templates draw the shapes with CSS classes."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WIDTH = 640
LABEL_WIDTH = 190
RIGHT_MARGIN = 60
BAR_HEIGHT = 14
BAR_GAP = 6
TOP = 4
COLUMN_CHART_HEIGHT = 160
AXIS_LABEL_HEIGHT = 18


@dataclass(frozen=True)
class Bar:
    label: str
    value: object
    x: float
    y: float
    width: float
    height: float
    label_y: float
    text_x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_x: int
    bars: list[Bar]
    empty: bool


def bar_chart(rows: Sequence[tuple[str, int | Decimal | None]]) -> BarChart:
    """Horizontal bars from zero, one per (label, value); a missing value draws no bar."""
    values = [float(value) for _label, value in rows if value is not None]
    high = max([0.0, *values]) or 1.0
    plot = WIDTH - LABEL_WIDTH - RIGHT_MARGIN
    bars, y = [], float(TOP)
    for label, value in rows:
        width = round(float(value or 0) / high * plot, 2)
        bars.append(
            Bar(
                label=label,
                value=value,
                x=LABEL_WIDTH,
                y=y,
                width=width,
                height=BAR_HEIGHT,
                label_y=y + BAR_HEIGHT - 3,
                text_x=LABEL_WIDTH + width + 4,
            )
        )
        y += BAR_HEIGHT + BAR_GAP
    return BarChart(
        width=WIDTH, height=int(y) + TOP, label_x=LABEL_WIDTH - 6, bars=bars, empty=not any(values)
    )


@dataclass(frozen=True)
class Column:
    css_class: str
    x: float
    y: float
    width: float
    height: float
    value: int
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    baseline: float
    columns: list[Column]
    ticks: list[Tick]
    maximum: int
    empty: bool


def monthly_columns(
    months: list[tuple[date, int, int]], series: tuple[tuple[str, str], tuple[str, str]]
) -> ColumnChart:
    """Two columns per month, side by side: `series` gives each one's (css class, name)."""
    high = max([0, *(count for _month, *counts in months for count in counts)])
    plot_height = COLUMN_CHART_HEIGHT - AXIS_LABEL_HEIGHT - TOP
    slot = (WIDTH - 10) / max(len(months), 1)
    column_width = max(min(slot / 2 - 2, 24), 1)
    columns, ticks = [], []
    for index, (month, *counts) in enumerate(months):
        left = 5 + index * slot
        for offset, ((css_class, name), count) in enumerate(zip(series, counts, strict=True)):
            height = round(count / (high or 1) * plot_height, 2)
            columns.append(
                Column(
                    css_class=css_class,
                    x=round(left + 1 + offset * column_width, 2),
                    y=round(TOP + plot_height - height, 2),
                    width=column_width,
                    height=height,
                    value=count,
                    title=f"{month:%Y-%m} {name}: {count}",
                )
            )
        ticks.append(
            Tick(
                x=round(left + slot / 2, 2),
                label=f"{month:%m}" if month.month != 1 or index == 0 else f"{month:%Y}",
            )
        )
    if ticks:
        first_month = months[0][0]
        ticks[0] = Tick(x=ticks[0].x, label=f"{first_month:%Y-%m}")
    return ColumnChart(
        width=WIDTH,
        height=COLUMN_CHART_HEIGHT,
        baseline=TOP + plot_height,
        columns=columns,
        ticks=ticks,
        maximum=high,
        empty=high == 0,
    )
