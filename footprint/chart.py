"""Geometry of the workbench's bar chart, drawn as inline SVG by the template.

The page's Content Security Policy allows no inline scripts or style attributes, so the chart is
plain SVG shapes with classes, laid out here on the server: per stage a bar for the declared
figure and one for the recomputed figure, and for the total the 95% interval as a whisker.
"""

from dataclasses import dataclass, field
from decimal import Decimal

WIDTH = 640
LABEL_WIDTH = 180
RIGHT_MARGIN = 70
BAR_HEIGHT = 12
BAR_GAP = 3
GROUP_GAP = 14
TOP = 8


@dataclass(frozen=True)
class Bar:
    css_class: str
    x: float
    y: float
    width: float
    height: float
    value: Decimal
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Group:
    label: str
    label_y: float
    bars: list[Bar] = field(default_factory=list)


@dataclass(frozen=True)
class Whisker:
    x1: float
    x2: float
    y: float
    cap_top: float
    cap_bottom: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_x: int
    axis_x: float
    groups: list[Group]
    whisker: Whisker | None


def bar_chart(
    rows: list[tuple[str, Decimal | None, Decimal | None]],
    interval: tuple[Decimal, Decimal] | None = None,
) -> Chart:
    """`rows` are (label, declared, recomputed); the last row is the total the interval is for.

    Negative figures (removals) extend left of a zero axis.
    """
    figures = [value for _label, *values in rows for value in values if value is not None]
    if interval:
        figures.extend(interval)
    low = min([Decimal(0), *figures])
    high = max([Decimal(0), *figures])
    span = float(high - low) or 1.0
    plot_width = WIDTH - LABEL_WIDTH - RIGHT_MARGIN

    def x_of(value: Decimal) -> float:
        return round(LABEL_WIDTH + float(value - low) / span * plot_width, 2)

    axis_x = x_of(Decimal(0))
    groups, y = [], float(TOP)
    for index, (label, declared, recomputed) in enumerate(rows):
        bars = []
        for css_class, value in (("bar-declared", declared), ("bar-recomputed", recomputed)):
            if value is not None:
                end = x_of(value)
                left, right = min(axis_x, end), max(axis_x, end)
                text_x = right
                if interval and css_class == "bar-recomputed" and index == len(rows) - 1:
                    text_x = max(right, x_of(interval[1]))  # the figure clears the whisker
                bars.append(
                    Bar(
                        css_class=css_class,
                        x=left,
                        y=y,
                        width=round(right - left, 2),
                        height=BAR_HEIGHT,
                        value=value,
                        text_x=text_x + 4,
                        text_y=y + BAR_HEIGHT - 2,
                    )
                )
            y += BAR_HEIGHT + BAR_GAP
        groups.append(Group(label=label, label_y=y - BAR_HEIGHT, bars=bars))
        y += GROUP_GAP
    whisker = None
    if interval and rows:
        middle = y - GROUP_GAP - BAR_GAP - BAR_HEIGHT / 2
        whisker = Whisker(
            x1=x_of(interval[0]),
            x2=x_of(interval[1]),
            y=middle,
            cap_top=middle - BAR_HEIGHT / 2 - 2,
            cap_bottom=middle + BAR_HEIGHT / 2 + 2,
        )
    return Chart(
        width=WIDTH,
        height=int(y),
        label_x=LABEL_WIDTH - 6,
        axis_x=axis_x,
        groups=groups,
        whisker=whisker,
    )
