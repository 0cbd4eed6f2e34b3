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
    def peak_text(self) -> str:
        return f"{self.peak:,}"

    @property
    def first_label(self) -> str:
        return self.bars[0].label if self.bars else ""

    @property
    def last_label(self) -> str:
        return self.bars[-1].label if self.bars else ""


def _scaled(points: Sequence[tuple[str, int]], room: float) -> tuple[int, list[float]]:
    """The largest value, and each value's length in ``room`` drawing units. Anything
    above nothing always shows, however small beside the largest."""
    peak = max((value for _, value in points), default=0)
    scale = room / max(peak, 1)
    return peak, [max(value * scale, 1) if value else 0 for _, value in points]


def column_chart(points: Sequence[tuple[str, int]], *, highlight_last: bool = True) -> Chart:
    """One column per point, left to right, scaled to the largest value."""
    peak, lengths = _scaled(points, HEIGHT - TOP - BOTTOM)
    slot = WIDTH / max(len(points), 1)
    baseline = HEIGHT - BOTTOM
    bars = [
        Bar(
            x=round(i * slot + GAP / 2, 2),
            y=round(baseline - tall, 2),
            width=round(slot - GAP, 2),
            height=round(tall, 2),
            label=label,
            value=value,
            highlight=highlight_last and i == len(points) - 1,
        )
        for i, ((label, value), tall) in enumerate(zip(points, lengths, strict=True))
    ]
    return Chart(width=WIDTH, height=HEIGHT, bars=bars, peak=peak, baseline=baseline)


ROW = 36  # one bar of a bar chart: its label above it, then the bar


def bar_chart(points: Sequence[tuple[str, int]]) -> Chart:
    """Horizontal bars, one a row, top to bottom, each with its label above it and its
    value after it (the page writes both), scaled to the largest value."""
    peak, lengths = _scaled(points, WIDTH - 48)
    bars = [
        Bar(x=0, y=i * ROW + 17, width=round(long, 2), height=14, label=label, value=value)
        for i, ((label, value), long) in enumerate(zip(points, lengths, strict=True))
    ]
    return Chart(width=WIDTH, height=len(points) * ROW, bars=bars, peak=peak, baseline=0)
