"""Chart geometry: scales, "nice" ticks, histogram bins and layout (pure; no SVG, no I/O).

Numbers in, numbers out, so every rule a chart follows is tested here without drawing:
ticks on 1-2-5 steps that fit the space (fewer on a phone), bins of a round width,
outliers clipped to a cap so one crash lap does not flatten the rest.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class Scale:
    """A linear map from a data interval onto a pixel interval (either may run backwards)."""

    domain_low: float
    domain_high: float
    range_low: float
    range_high: float

    def __call__(self, value: float) -> float:
        span = self.domain_high - self.domain_low
        if span == 0:
            return (self.range_low + self.range_high) / 2
        share = (value - self.domain_low) / span
        return self.range_low + share * (self.range_high - self.range_low)

    def clamp(self, value: float) -> float:
        """`value` mapped, held inside the pixel interval."""
        low, high = sorted((self.range_low, self.range_high))
        return min(max(self(value), low), high)


def nice_step(span: float, max_ticks: int) -> float:
    """The smallest 1-2-2.5-5 × 10^k step that cuts `span` into at most `max_ticks` parts."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    max_ticks = max(1, max_ticks)
    raw = span / max_ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in NICE_STEPS:
        if factor * power >= raw - 1e-12 * power:
            return factor * power
    return 10 * power  # pragma: no cover - the loop's last step always fits


def _next_step(step: float) -> float:
    """The nice step after `step` (2 → 2.5 → 5 → 10 → 20 …)."""
    power = 10 ** math.floor(math.log10(step) + 1e-9)
    for factor in NICE_STEPS:
        if factor * power > step * (1 + 1e-9):
            return factor * power
    return 10 * power  # pragma: no cover - 10 × power is always larger


def nice_ticks(low: float, high: float, max_ticks: int) -> list[float]:
    """Round values from the first step ≤ `low` to the first step ≥ `high` (inclusive).

    The ticks span the data: a scale built on (ticks[0], ticks[-1]) holds every value, in
    at most `max_ticks` equal parts (so at most `max_ticks` + 1 ticks); two parts at least,
    which any interval fits (one part could not straddle zero on round values).
    """
    if low > high:
        low, high = high, low
    if low == high:
        low, high = low - 1, high + 1
    max_ticks = max(2, max_ticks)
    step = nice_step(high - low, max_ticks)
    while True:
        first = math.floor(low / step + 1e-9) * step
        last = math.ceil(high / step - 1e-9) * step
        count = max(1, round((last - first) / step))
        if count <= max_ticks:
            break
        step = _next_step(step)  # rounding out at both ends added a part
    return [_tidy(first + i * step, step) for i in range(count + 1)]


def _tidy(value: float, step: float) -> float:
    """A tick without float noise (0.30000000000000004 → 0.3)."""
    decimals = max(0, 3 - math.floor(math.log10(step)))
    return round(value, decimals) + 0.0


def max_ticks_for(length_px: float, min_gap_px: float) -> int:
    """How many tick gaps fit `length_px` when labels need `min_gap_px` each (at least 1)."""
    return max(1, int(length_px // max(min_gap_px, 1.0)))


@dataclass(frozen=True, slots=True)
class Bin:
    low: float
    high: float
    count: int


def histogram(values: Sequence[float], max_bins: int) -> list[Bin]:
    """`values` counted in bins of one round width (1-2-2.5-5 steps), at most `max_bins`
    bins, from a multiple of the width at or below the smallest value. A value on a bin
    edge counts in the bin it starts; the largest value is always in the last bin."""
    if not values:
        return []
    low, high = min(values), max(values)
    width = nice_step(high - low, max(1, max_bins)) if high > low else nice_step(1.0, 1)
    start = math.floor(low / width + 1e-9) * width
    count = max(1, math.floor((high - start) / width + 1e-9) + 1)
    while count > max_bins:  # an unlucky start: widen until the values fit
        width = nice_step(width * (count + 1), max_bins)
        start = math.floor(low / width + 1e-9) * width
        count = max(1, math.floor((high - start) / width + 1e-9) + 1)
    counts = [0] * count
    for value in values:
        index = min(count - 1, max(0, math.floor((value - start) / width + 1e-9)))
        counts[index] += 1
    return [
        Bin(_tidy(start + i * width, width), _tidy(start + (i + 1) * width, width), n)
        for i, n in enumerate(counts)
    ]


def outlier_cap(values: Sequence[float], factor: float = 1.6) -> float | None:
    """The value above which a point is drawn clipped at the top: `factor` × the median.

    None when nothing lies above it (draw all) or there are too few values to judge.
    """
    if len(values) < 3:
        return None
    cap = statistics.median(values) * factor
    return cap if max(values) > cap else None


@dataclass(frozen=True, slots=True)
class Frame:
    """The pixel box of a chart and its plot area inside the margins."""

    width: float
    height: float
    left: float
    right: float  # x of the plot area's right edge
    top: float
    bottom: float  # y of the plot area's bottom edge (SVG y grows downwards)

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top


def frame(width: float, height: float, font_px: float, *, title: bool = True) -> Frame:
    """Margins from the font size: room for y labels (5 digits) at the left, x labels
    below, the title above, and half a label at the right so the last x label fits."""
    left = font_px * 3.6
    top = font_px * (2.4 if title else 0.8)
    bottom = height - font_px * 2.0
    right = width - font_px * 1.2
    return Frame(width, height, left, right, top, bottom)


def band_positions(count: int, start: float, end: float) -> list[float]:
    """Centres of `count` equal bands across [start, end] (bar and lap positions)."""
    if count <= 0:
        return []
    width = (end - start) / count
    return [start + width * (i + 0.5) for i in range(count)]


def label_every(count: int, length_px: float, min_gap_px: float) -> int:
    """Label every n-th of `count` evenly spaced items so labels are `min_gap_px` apart."""
    if count <= 1:
        return 1
    gap = length_px / count
    return max(1, math.ceil(min_gap_px / max(gap, 1e-9)))


def truncate(text: str, max_chars: int) -> str:
    """`text` cut to `max_chars` characters with an ellipsis (titles on narrow screens)."""
    if max_chars < 1:
        return ""
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"
