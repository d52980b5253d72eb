"""What the charts share: their inputs (plain data, no live state) and the title, axis and
empty-chart drawing every figure uses. The figures: `run_chart` (a run's laps),
`distribution` (a round's lap times), `season` (a racer's season progression)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lapgate.board.charts.geometry import (
    Frame,
    Scale,
    truncate,
)
from lapgate.board.charts.style import Size, Theme
from lapgate.board.charts.svg import Svg
from lapgate.board.charts.words import decimal, lap


@dataclass(frozen=True, slots=True)
class LapPoint:
    number: int
    duration_ms: int
    valid: bool
    resets: int = 0


@dataclass(frozen=True, slots=True)
class RunChart:
    title: str  # e.g. "Alice · run 2" (any user text: escaped when drawn)
    laps: Sequence[LapPoint]
    best_lap_number: int | None = None
    window_lap_numbers: Sequence[int] = ()
    window_ms: int | None = None
    window_laps: int = 3


@dataclass(frozen=True, slots=True)
class Distribution:
    title: str
    valid_ms: Sequence[int]
    invalid_count: int = 0


@dataclass(frozen=True, slots=True)
class SeasonRace:
    label: str  # the race's name
    rank: int | None
    points: float


@dataclass(frozen=True, slots=True)
class Progression:
    title: str
    races: Sequence[SeasonRace] = field(default_factory=tuple)


def seconds_label(ms: float, step_ms: float) -> str:
    """A time in seconds with as many decimals as the tick step needs (7, 7.5, 7.25)."""
    decimals = 0
    while (
        decimals < 3
        and abs(round(step_ms / 10 ** (3 - decimals)) * 10 ** (3 - decimals) - step_ms) > 1e-6
    ):
        decimals += 1
    return decimal(f"{ms / 1000:.{decimals}f}")


def lap_text(ms: float) -> str:
    """A lap as results show it: 13.393, or 1:02.345 from a minute on (the decimal symbol of
    the request's language: 13,393 in German)."""
    return lap(ms)


def points_label(value: float) -> str:
    """Points compactly: 42, 7.5, -12.3k, -1.25M (community points run into millions)."""
    size = abs(value)
    if size >= 1_000_000:
        return decimal(f"{value / 1_000_000:.3g}M")
    if size >= 10_000:
        return decimal(f"{value / 1000:.3g}k")
    return decimal(f"{value:g}" if value == int(value) else f"{value:.1f}")


def chars_for(width_px: float, font_px: float) -> int:
    """How many characters of a label fit `width_px` (a condensed face: ~0.55 em each)."""
    return int(width_px / (font_px * 0.55))


def start(size: Size, theme: Theme, label: str) -> Svg:
    svg = Svg(size.width, size.height, label)
    svg.add(
        "rect",
        x=0.0,
        y=0.0,
        width=size.width,
        height=size.height,
        rx=size.font_px * 0.4,
        fill=theme.background,
    )
    return svg


def title(svg: Svg, size: Size, theme: Theme, left: str, right: str) -> float:
    """The title at the left and a summary at the right, or under it when both do not fit
    one line (a phone). Returns how much lower the plot must start (0 or one line)."""
    font = size.font_px
    y = font * 1.35
    room = chars_for(size.width - font * 1.6, font * 1.05)
    svg.text(
        font * 0.8,
        y,
        truncate(left, room if not right else max(room, 1)),
        font * 1.05,
        theme.ink,
        weight=700,
        class_="title",
    )
    if not right:
        return 0.0
    if len(left) + len(right) + 3 <= room:
        svg.text(
            size.width - font * 0.8, y, right, font, theme.muted, anchor="end", class_="summary"
        )
        return 0.0
    svg.text(
        font * 0.8,
        y + font * 1.25,
        truncate(right, room),
        font * 0.95,
        theme.muted,
        class_="summary",
    )
    return font * 1.25


def y_axis(
    svg: Svg,
    box: Frame,
    ticks: Sequence[float],
    scale: Scale,
    size: Size,
    theme: Theme,
    label: Callable[[float], str],
) -> None:  # type: ignore[valid-type]
    font = size.font_px
    for tick in ticks:
        y = scale(tick)
        svg.add(
            "line",
            x1=box.left,
            x2=box.right,
            y1=y,
            y2=y,
            stroke=theme.grid,
            stroke_width=max(1.0, size.stroke / 3),
        )
        svg.text(
            box.left - font * 0.4,
            y + font * 0.35,
            label(tick),
            font * 0.9,
            theme.muted,
            anchor="end",
            mono=True,
        )


def empty(svg: Svg, size: Size, theme: Theme, text: str) -> str:
    svg.text(
        size.width / 2, size.height / 2, text, size.font_px * 1.1, theme.muted, anchor="middle"
    )
    return svg.render()
