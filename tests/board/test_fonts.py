"""The WOFF2 font subsets: base.css names them with tools/subset_fonts.py's ranges, and
they hold every character the pages and scripts write."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "board" / "static"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("subset_fonts", ROOT / "tools/subset_fonts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_base_css_names_each_subset_and_full_face_with_the_tools_ranges() -> None:
    tool = _tool()
    css = (STATIC / "css" / "base.css").read_text(encoding="utf-8")
    faces = re.findall(r"@font-face \{(.*?)\}", css, re.S)
    faces = [face for face in faces if "DejaVu" in face]  # the Japanese: test_fonts_ja.py
    assert len(faces) == 2 * len(tool.FACES)
    for face in tool.FACES:
        subset = next(f for f in faces if f"{face}-subset.woff2" in f)
        full = next(f for f in faces if f"{face}.ttf" in f)
        assert f"unicode-range: {tool.unicode_range()};" in subset
        assert f"unicode-range: {tool.other_range()};" in full
        assert (STATIC / "fonts" / f"{face}-subset.woff2").stat().st_size < 25_000


def test_the_subsets_hold_every_character_the_board_writes() -> None:
    used = set()
    for folder, pattern in (("templates", "*.html"), ("static/js", "*.js")):
        for path in (ROOT / "board" / folder).glob(pattern):
            used |= {c for c in path.read_text(encoding="utf-8") if ord(c) > 126}
    used |= {chr(c) for c in range(0x20, 0x7F)} | set("ÄÖÜäöüßéèàçñøåÆŁłŠšŽžĆćČčŒœ€–—…·×−→↑↓")
    for face in _tool().FACES:
        cmap = TTFont(STATIC / "fonts" / f"{face}-subset.woff2").getBestCmap()
        missing = sorted(c for c in used if ord(c) not in cmap)
        assert missing == [], f"{face}: {missing}"
