"""The workbench chart's geometry: bars from a zero axis, the interval on the total."""

from decimal import Decimal

from footprint.chart import LABEL_WIDTH, RIGHT_MARGIN, WIDTH, bar_chart

PLOT = WIDTH - LABEL_WIDTH - RIGHT_MARGIN


def test_bars_scale_to_the_largest_figure_and_the_interval_brackets_the_total():
    chart = bar_chart(
        [("Production", Decimal("10"), Decimal("12")), ("Total", Decimal("20"), Decimal("22"))],
        interval=(Decimal("18"), Decimal("25")),
    )
    assert chart.whisker is not None

    production, total = chart.groups
    assert chart.axis_x == LABEL_WIDTH
    assert [bar.width for bar in production.bars] == [
        round(PLOT * 10 / 25, 2),
        round(PLOT * 12 / 25, 2),
    ]
    assert total.bars[1].x + total.bars[1].width < chart.whisker.x2 == LABEL_WIDTH + PLOT
    assert chart.whisker.x1 == round(LABEL_WIDTH + PLOT * 18 / 25, 2)
    # The total's figure is written past the whisker, not under it.
    assert total.bars[1].text_x == chart.whisker.x2 + 4


def test_a_removal_extends_left_of_the_axis():
    chart = bar_chart(
        [("End of life", Decimal("-5"), Decimal("-4")), ("Total", Decimal("15"), Decimal("16"))]
    )

    (removal, _total) = chart.groups
    assert chart.axis_x == round(LABEL_WIDTH + PLOT * 5 / 21, 2)
    assert removal.bars[0].x == LABEL_WIDTH
    assert removal.bars[0].x + removal.bars[0].width == chart.axis_x
    assert chart.whisker is None


def test_a_missing_declared_figure_draws_only_the_recomputed_bar():
    chart = bar_chart([("Use", None, Decimal("3")), ("Total", None, Decimal("3"))])

    assert [bar.css_class for bar in chart.groups[0].bars] == ["bar-recomputed"]
