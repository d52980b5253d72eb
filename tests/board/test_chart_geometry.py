"""Chart geometry: ticks, scales, bins, outliers, labels (board.charts.geometry)."""

from __future__ import annotations

import itertools
import math

from hypothesis import given
from hypothesis import strategies as st

from lapgate.board.charts.geometry import (
    Scale,
    band_positions,
    frame,
    histogram,
    label_every,
    max_ticks_for,
    nice_step,
    nice_ticks,
    outlier_cap,
    truncate,
)

# lap times in ms, season points (community points run to −10⁸), to a thousandth
finite = st.integers(min_value=-(10**11), max_value=10**11).map(lambda n: n / 1000)


def test_nice_ticks_of_lap_times() -> None:
    assert nice_ticks(7_123, 8_904, 4) == [7000, 7500, 8000, 8500, 9000]
    assert nice_ticks(7_123, 8_904, 2) == [7000, 8000, 9000]
    assert nice_ticks(7_123, 8_904, 1) == [7000, 8000, 9000]  # two parts at least
    assert nice_ticks(5, 5, 2) == [4, 5, 6]  # one value: a span around it
    assert nice_ticks(0.31, 0.58, 3) == [0.3, 0.4, 0.5, 0.6]


def test_nice_step_is_one_two_two_and_a_half_or_five_times_a_power_of_ten() -> None:
    assert nice_step(10, 5) == 2
    assert nice_step(10, 4) == 2.5
    assert nice_step(10, 3) == 5
    assert nice_step(0, 3) == 1  # nothing to cut: a step all the same


@given(finite, finite, st.integers(min_value=2, max_value=12))
def test_ticks_span_the_data_in_at_most_the_parts_asked_for(
    a: float, b: float, max_ticks: int
) -> None:
    low, high = min(a, b), max(a, b)
    ticks = nice_ticks(low, high, max_ticks)
    noise = 1e-6 * (ticks[-1] - ticks[0])  # float noise, far below a pixel of the axis
    assert ticks[0] <= low + noise
    assert ticks[-1] >= high - noise
    assert 2 <= len(ticks) <= max_ticks + 1
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1  # evenly spaced
    mantissa = next(iter(steps)) / 10 ** math.floor(math.log10(next(iter(steps))))
    assert round(mantissa, 6) in (1, 2, 2.5, 5, 10)


def test_scale_maps_and_clamps_onto_a_reversed_pixel_range() -> None:
    y = Scale(7000, 9000, 200, 40)  # SVG y grows downwards: slow laps higher up
    assert y(7000) == 200 and y(9000) == 40 and y(8000) == 120
    assert y.clamp(20000) == 40 and y.clamp(0) == 200
    assert Scale(5, 5, 0, 100)(5) == 50  # one value: the middle, not a division by zero


def test_histogram_bins_have_a_round_width_and_count_every_value() -> None:
    bins = histogram([7100, 7180, 7420, 7500, 7990, 8000], 4)
    assert [(b.low, b.high, b.count) for b in bins] == [
        (7000, 7500, 3),
        (7500, 8000, 2),
        (8000, 8500, 1),
    ]
    assert histogram([], 5) == []
    assert [(b.low, b.count) for b in histogram([8000, 8000], 5)] == [(8000, 2)]


@given(
    st.lists(st.integers(min_value=1, max_value=600_000), min_size=1, max_size=300),
    st.integers(1, 30),
)
def test_histogram_never_loses_a_lap_nor_exceeds_its_bins(values: list[int], max_bins: int) -> None:
    bins = histogram(values, max_bins)
    assert sum(b.count for b in bins) == len(values)
    assert 1 <= len(bins) <= max(max_bins, 1)
    assert bins[0].low <= min(values) and bins[-1].high >= max(values)
    widths = {round(b.high - b.low, 6) for b in bins}
    assert len(widths) == 1


def test_an_outlier_lap_is_capped_at_one_point_six_times_the_median() -> None:
    assert outlier_cap([8000, 8100, 8200, 31000]) == 8150 * 1.6
    assert outlier_cap([8000, 8100, 8200]) is None  # nothing above: draw all
    assert outlier_cap([8000, 31000]) is None  # too few laps to call one an outlier


def test_layout_helpers() -> None:
    assert max_ticks_for(200, 28) == 7 and max_ticks_for(10, 28) == 1
    assert band_positions(4, 0, 100) == [12.5, 37.5, 62.5, 87.5]
    assert band_positions(0, 0, 100) == []
    assert label_every(30, 300, 30) == 3  # 10 px per lap, labels 30 px apart
    assert label_every(5, 300, 30) == 1
    box = frame(360, 250, 14)
    assert 0 < box.left < box.right < 360 and 0 < box.top < box.bottom < 250
    assert box.plot_width == box.right - box.left


def test_truncate_keeps_short_text_and_cuts_long_text_with_an_ellipsis() -> None:
    assert truncate("Alice", 10) == "Alice"
    assert truncate("Bartholomew the Fast", 10) == "Bartholom…"
    assert len(truncate("x" * 100, 12)) == 12
    assert truncate("Alice", 0) == ""
