"""Sizes and colour themes of the charts.

A chart is drawn in user units that match the CSS pixels it is shown at, so a 14-unit label
is a 14 px label on a phone: `PHONE` for a ~360 px wide column, `TABLET` for the control
page's run panel (~520 px), `SCREEN` for the big screen at 10 m (labels a 35th of the width, strokes
of 6). Themes follow the pages: light for phones, control and standings (daylight), dark
for the big screen. Each mark differs by shape as well as colour (filled/hollow/crossed),
so the charts read in black and white and for colour-blind eyes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SizeName(StrEnum):
    PHONE = "phone"
    TABLET = "tablet"
    SCREEN = "screen"


class ThemeName(StrEnum):
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True, slots=True)
class Size:
    width: float
    height: float
    font_px: float
    stroke: float
    dot: float  # radius of a lap's marker


@dataclass(frozen=True, slots=True)
class Theme:
    background: str
    ink: str
    muted: str
    grid: str
    valid: str
    invalid: str
    best: str
    window: str
    reset: str


SIZES: dict[SizeName, Size] = {
    SizeName.PHONE: Size(360, 270, 14, 2.5, 5),
    SizeName.TABLET: Size(560, 280, 14, 3, 6),
    SizeName.SCREEN: Size(1200, 440, 34, 6, 12),
}

THEMES: dict[ThemeName, Theme] = {
    ThemeName.LIGHT: Theme(
        background="#ffffff",
        ink="#0f172a",
        muted="#475569",
        grid="#cbd5e1",
        valid="#1d4ed8",
        invalid="#b91c1c",
        best="#15803d",
        window="#f59e0b",
        reset="#c2410c",
    ),
    ThemeName.DARK: Theme(
        background="#05070d",
        ink="#f5f7fb",
        muted="#9aa6bf",
        grid="#1d2740",
        valid="#38bdf8",
        invalid="#f87171",
        best="#4ade80",
        window="#facc15",
        reset="#fb923c",
    ),
}


def size_of(name: str) -> Size:
    """The size called `name` (`ValueError` names the value and the choices)."""
    try:
        return SIZES[SizeName(name)]
    except ValueError:
        raise ValueError(
            f"size: got {name!r:.40}, expected one of {[str(s) for s in SizeName]}"
        ) from None


def theme_of(name: str) -> Theme:
    try:
        return THEMES[ThemeName(name)]
    except ValueError:
        raise ValueError(
            f"theme: got {name!r:.40}, expected one of {[str(t) for t in ThemeName]}"
        ) from None
