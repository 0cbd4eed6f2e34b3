"""The dashboard's charts: geometry that fits its drawing and never hides a small value."""

from __future__ import annotations

from lrs.servicedesk.charts import HEIGHT, WIDTH, bar_chart, column_chart


def test_columns_fill_the_width_and_the_tallest_reaches_the_top_margin():
    chart = column_chart([("Mon", 0), ("Tue", 5), ("Wed", 10)])
    assert [bar.value for bar in chart.bars] == [0, 5, 10]
    assert chart.bars[0].height == 0
    assert chart.bars[2].height == 2 * chart.bars[1].height
    assert chart.bars[-1].highlight
    assert all(bar.x >= 0 and bar.x + bar.width <= WIDTH for bar in chart.bars)
    assert all(0 <= bar.y <= HEIGHT for bar in chart.bars)


def test_a_small_value_beside_a_large_one_still_shows():
    chart = column_chart([("Mon", 1), ("Tue", 100_000)])
    assert chart.bars[0].height >= 1


def test_bars_are_one_a_row_and_scaled_to_the_largest():
    chart = bar_chart([("Queued", 2), ("Processing", 4)])
    assert chart.height == 2 * 36
    assert chart.bars[1].width == 2 * chart.bars[0].width
    assert chart.bars[1].width <= WIDTH - 48
    assert chart.peak == 4


def test_nothing_to_draw_is_an_empty_chart_not_an_error():
    assert column_chart([]).bars == []
    assert bar_chart([("Queued", 0)]).bars[0].width == 0
