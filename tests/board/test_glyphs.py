"""Every character the pages show is in the fonts lapgate serves (issue 13: emoji rendered
as empty boxes). The UI's strings (templates, scripts, styles, the live views' texts) may
use only characters of the DejaVu fonts under board/static/fonts; an emoji would need a
font the venue's screens may not have."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "board" / "static" / "fonts"
UI_FILES = [
    *sorted((ROOT / "board" / "templates").glob("*.html")),
    *sorted((ROOT / "board" / "static" / "js").glob("*.js")),
    *sorted((ROOT / "board" / "static" / "css").glob("*.css")),
    *sorted((ROOT / "board" / "live").glob("*.py")),
    *sorted((ROOT / "board" / "web").glob("*.py")),
]


def cmap_codepoints(font: bytes) -> set[int]:
    """The code points a TrueType font maps (cmap subtables of format 4 and 12)."""
    num_tables = struct.unpack_from(">H", font, 4)[0]
    tables = {}
    for i in range(num_tables):
        tag, _, offset, _ = struct.unpack_from(">4sIII", font, 12 + 16 * i)
        tables[tag] = offset
    cmap = tables[b"cmap"]
    found: set[int] = set()
    count = struct.unpack_from(">H", font, cmap + 2)[0]
    for i in range(count):
        _, _, sub = struct.unpack_from(">HHI", font, cmap + 4 + 8 * i)
        start = cmap + sub
        kind = struct.unpack_from(">H", font, start)[0]
        if kind == 4:
            segs = struct.unpack_from(">H", font, start + 6)[0] // 2
            ends = struct.unpack_from(f">{segs}H", font, start + 14)
            starts = struct.unpack_from(f">{segs}H", font, start + 16 + 2 * segs)
            for first, last in zip(starts, ends, strict=True):
                found.update(range(first, last + 1))
        elif kind == 12:
            groups = struct.unpack_from(">I", font, start + 12)[0]
            for g in range(groups):
                first, last, _ = struct.unpack_from(">III", font, start + 16 + 12 * g)
                found.update(range(first, last + 1))
    found.discard(0xFFFF)
    return found


def test_the_cmap_reader_knows_what_a_font_lacks() -> None:
    mapped = cmap_codepoints((FONTS / "DejaVuSansCondensed.ttf").read_bytes())
    assert {ord("A"), ord("↑"), ord("✎")} <= mapped
    assert ord("🏁") not in mapped and ord("🏆") not in mapped


@pytest.mark.parametrize("font", ["DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"])
def test_every_ui_character_is_in_the_served_font(font: str) -> None:
    mapped = cmap_codepoints((FONTS / font).read_bytes())
    missing = {}
    for path in UI_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for char in line:
                if ord(char) > 127 and ord(char) not in mapped and ord(char) != 0xFE0F:
                    missing.setdefault(char, f"{path.relative_to(ROOT)}:{number}")
    assert missing == {}, f"characters {font} lacks (they would show as empty boxes)"
