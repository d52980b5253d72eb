"""Time units. All engine time is integer nanoseconds; milliseconds are for display."""

from __future__ import annotations

from fractions import Fraction
from typing import Final

NS_PER_MS: Final = 1_000_000
NS_PER_S: Final = 1_000_000_000


def ns_from_s(seconds: float) -> int:
    """Whole nanoseconds in `seconds` (rounded to the nearest nanosecond)."""
    return round(Fraction(seconds) * NS_PER_S)


def ms_from_ns(ns: int | Fraction) -> int:
    """Whole milliseconds in `ns`, rounded half up, as results are shown (13.393 s)."""
    return int((Fraction(ns) / NS_PER_MS + Fraction(1, 2)) // 1)


def format_s(ns: int | Fraction | None) -> str:
    """`ns` as seconds with three decimals (``"13.393"``); an em dash for no time."""
    if ns is None:
        return "—"
    ms = ms_from_ns(ns)
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    return f"{sign}{ms // 1000}.{ms % 1000:03d}"
