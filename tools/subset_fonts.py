"""Regenerate the board's WOFF2 font subsets from the full DejaVu TTFs.

Every page loads the board's faces (board/static/css/base.css). The full TTFs hold every
script DejaVu covers, 1.7 MB for the three faces; a phone on venue Wi-Fi should not fetch
that for a leaderboard in Latin letters. This writes, next to each TTF, a WOFF2 of the
characters the pages use (`UNICODES`: Latin, Latin-1, Latin Extended-A, punctuation,
the arrows and symbols of the UI). base.css names the subset first with the same
`unicode-range`, and the full TTF after it for every other character, so a browser fetches
the TTF only for a name in another script.

Run after changing `UNICODES` or a TTF (fontTools and brotli come with the `test` extra):

    .venv/bin/python tools/subset_fonts.py

and copy the two printed `unicode-range`s into base.css if `UNICODES` changed
(tests/board/test_page_weight.py checks that they agree).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset  # type: ignore[import-untyped]

FONTS = Path(__file__).resolve().parent.parent / "board" / "static" / "fonts"
FACES = ("DejaVuSansCondensed", "DejaVuSansCondensed-Bold", "DejaVuSansMono-Bold")
UNICODES = (
    "U+0000-017F",  # Basic Latin, Latin-1, Latin Extended-A
    "U+0192,U+0218-021B,U+02C6-02DD",  # ƒ, Ș ș Ț ț, spacing accents
    "U+2000-206F",  # general punctuation: dashes, quotes, ellipsis, bullets
    "U+20AC,U+2122,U+2190-2199,U+21BA-21BB",  # euro, trade mark, arrows, ↺ ↻
    "U+2212,U+2264-2265,U+25B2-25C0,U+25CF",  # minus, ≤ ≥, ▲ ▶ ▼ ◀, ●
    "U+2713-2717,U+270E,U+FFFD",  # ✓ ✕ ✗, ✎, the replacement character
)


def code_points() -> list[tuple[int, int]]:
    """`UNICODES` as sorted (first, last) code point ranges."""
    spans = []
    for part in ",".join(UNICODES).split(","):
        first, _, last = part.removeprefix("U+").partition("-")
        spans.append((int(first, 16), int(last or first, 16)))
    return sorted(spans)


def css_range(spans: list[tuple[int, int]]) -> str:
    return ", ".join(f"U+{a:04X}" if a == b else f"U+{a:04X}-{b:04X}" for a, b in spans)


def unicode_range() -> str:
    """The CSS `unicode-range` of the subsets."""
    return css_range(code_points())


def other_range() -> str:
    """The CSS `unicode-range` of everything else (the full TTFs)."""
    gaps, start = [], 0
    for first, last in code_points():
        if first > start:
            gaps.append((start, first - 1))
        start = max(start, last + 1)
    gaps.append((start, 0x10FFFF))
    return css_range(gaps)


def make_subset(face: str) -> Path:
    source = FONTS / f"{face}.ttf"
    target = FONTS / f"{face}-subset.woff2"
    subset.main(
        [
            str(source),
            f"--unicodes={','.join(UNICODES)}",
            "--flavor=woff2",
            "--layout-features=*",
            "--name-IDs=*",  # keep the copyright and licence records
            "--no-hinting",
            f"--output-file={target}",
        ]
    )
    return target


def main() -> int:
    for face in FACES:
        target = make_subset(face)
        full = (FONTS / f"{face}.ttf").stat().st_size
        print(f"{target.name}: {target.stat().st_size:,} bytes (the TTF: {full:,})")
    print(f"subsets: unicode-range: {unicode_range()};")
    print(f"TTFs:    unicode-range: {other_range()};")
    return 0


if __name__ == "__main__":
    sys.exit(main())
