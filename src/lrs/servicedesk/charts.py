"""Bar charts drawn on the server as SVG: the geometry only, the template draws it.

Every chart is an image with a title and a description that say what it shows in words,
and the page puts the figures in a table beside it, so nothing is only in the picture.
Colours come from the stylesheet (classes), never from style attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# The drawing's own units; the SVG scales to the width of its column.
WIDTH = 300
HEIGHT = 120
TOP = 14  # room for the largest value's label
BOTTOM = 18  # room for the first and last days' labels
GAP = 2


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    highlight: bool = False


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    peak: int
    baseline: float

    @property
    def first_label(self) -> str:
        return self.bars[0].label if self.bars else ""

    @property
    def last_label(self) -> str:
        return self.bars[-1].label if self.bars else ""


def column_chart(points: Sequence[tuple[str, int]], *, highlight_last: bool = True) -> Chart:
    """One column per point, left to right, scaled to the largest value (at least 1)."""
    peak = max((value for _, value in points), default=0)
    scale = (HEIGHT - TOP - BOTTOM) / max(peak, 1)
    slot = WIDTH / max(len(points), 1)
    baseline = HEIGHT - BOTTOM
    bars = []
    for i, (label, value) in enumerate(points):
        tall = value * scale
        # A day with something on it always shows, however small beside the peak.
        if value and tall < 1:
            tall = 1
        bars.append(
            Bar(
                x=round(i * slot + GAP / 2, 2),
                y=round(baseline - tall, 2),
                width=round(slot - GAP, 2),
                height=round(tall, 2),
                label=label,
                value=value,
                highlight=highlight_last and i == len(points) - 1,
            )
        )
    return Chart(width=WIDTH, height=HEIGHT, bars=bars, peak=peak, baseline=baseline)


ROW = 36  # one bar of a bar chart: its label above it, then the bar


def bar_chart(points: Sequence[tuple[str, int]]) -> Chart:
    """Horizontal bars, one a row, top to bottom, each with its label above it and its
    value after it, scaled to the largest value."""
    peak = max((value for _, value in points), default=0)
    room = WIDTH - 48  # the value is written after the bar
    scale = room / max(peak, 1)
    bars = []
    for i, (label, value) in enumerate(points):
        long = value * scale
        if value and long < 1:
            long = 1
        bars.append(
            Bar(x=0, y=i * ROW + 17, width=round(long, 2), height=14, label=label, value=value)
        )
    return Chart(width=WIDTH, height=len(points) * ROW, bars=bars, peak=peak, baseline=0)
