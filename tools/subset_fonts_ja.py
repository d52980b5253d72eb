"""Regenerate the board's Japanese WOFF2 faces from Noto Sans CJK JP (SIL OFL 1.1).

DejaVu (tools/subset_fonts.py) has no Japanese glyphs, and a venue's screens may have no
Japanese font of their own: without these faces a Japanese page shows empty boxes. The
source is Debian's `fonts-noto-cjk` (the JP face of its .ttc collections), installed on a
developer's machine only; the WOFF2 files and NotoSansCJK-LICENSE.txt are committed under
board/static/fonts, so CI and the board never need the package. Each weight (400, 700) gets:

- `NotoSansJP-<Weight>-languages-subset.woff2`: the characters of the language names of the
  switch (`LANGUAGES`: "日本語") that DejaVu lacks. Every page shows the switch, so this is
  the only Japanese face an English page fetches (a few KB).
- `NotoSansJP-<Weight>-ui-subset.woff2`: every character of every catalog's translations
  (board/translations/*/LC_MESSAGES/messages.po) that DejaVu's subsets lack, with all of
  hiragana, katakana, CJK punctuation and the fullwidth forms (`UI_BLOCKS`).
- `NotoSansJP-<Weight>-cjkNN-subset.woff2`: the ideographs, the CJK compatibility blocks and
  the halfwidth forms (`SLICE_BLOCKS`) in slices of about `SLICE_GLYPHS` glyphs, for racers'
  names. Each slice is its own @font-face with a `unicode-range`, so a browser fetches one
  only when a page shows one of its characters (the way Google Fonts serves CJK). The slices
  do not depend on the catalogs.

The script also rewrites the @font-face rules between `CSS_BEGIN` and `CSS_END` in
board/static/css/base.css. They come after the DejaVu faces: where `unicode-range`s overlap a
browser tries the face declared last first, and no range here holds a character of DejaVu's
subsets, so Latin text keeps DejaVu.

Run it after translations that bring new characters have been merged (the catalogs must be
current: tools/catalogs.py first), on a machine with the Debian package:

    apt-get install -y fonts-noto-cjk     # once, developer machine only
    .venv/bin/python tools/subset_fonts_ja.py            # UI faces and base.css (a minute)
    .venv/bin/python tools/subset_fonts_ja.py --slices   # also the slices (many minutes)

It is idempotent: the same catalogs give byte-identical files, and it rewrites only what
changed. tests/board/test_fonts_ja.py fails while a translation holds a character that no
served face covers.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po
from fontTools import subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "board" / "static" / "fonts"
CSS = ROOT / "board" / "static" / "css" / "base.css"
TRANSLATIONS = ROOT / "board" / "translations"
SOURCE = Path("/usr/share/fonts/opentype/noto")  # Debian's fonts-noto-cjk
SOURCE_FACE = "Noto Sans CJK JP"  # the face of the collection to take (name ID 1)
WEIGHTS = {400: "Regular", 700: "Bold"}
DEJAVU_SUBSET = FONTS / "DejaVuSansCondensed-subset.woff2"
LANGUAGE_NAMES = ("日本語",)  # board/i18n.py LANGUAGES beyond DejaVu (tools import no board)
UI_BLOCKS = (
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。「」〜
    (0x3040, 0x309F),  # hiragana
    (0x30A0, 0x30FF),  # katakana
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0xFF01, 0xFF60),  # fullwidth ASCII forms: （）！？：
    (0xFFE0, 0xFFE6),  # fullwidth signs: ￥
)
SLICE_BLOCKS = (
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals
    (0x3190, 0x31EF),  # kanbun, CJK strokes
    (0x3200, 0x33FF),  # enclosed CJK letters, CJK compatibility: ㈱ ㎞
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF61, 0xFFDC),  # halfwidth katakana (and hangul)
    (0xFFE8, 0xFFEE),  # halfwidth symbols
)
# The bold faces draw Japanese in .digits ("LG Mono", bold only) too: the same files, and no
# fetch of the DejaVu Mono TTF (its range holds every other character) for a glyph it lacks.
FAMILIES = {400: ("LG Sans",), 700: ("LG Sans", "LG Mono")}
SLICE_GLYPHS = 1000  # 100-400 KB of WOFF2 a slice and weight
CSS_BEGIN = "/* BEGIN Japanese faces: written by tools/subset_fonts_ja.py, do not edit */"
CSS_END = "/* END Japanese faces */"


@dataclass(frozen=True)
class Face:
    """One WOFF2 file of one weight: its characters and its CSS `unicode-range` spans."""

    stem: str  # "languages", "ui", "cjk01", ...
    weight: int
    code_points: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]

    @property
    def file_name(self) -> str:
        return f"NotoSansJP-{WEIGHTS[self.weight]}-{self.stem}-subset.woff2"

    def css(self) -> str:
        return "".join(
            "@font-face {\n"
            f'  font-family: "{family}";\n'
            f'  src: url("../fonts/{self.file_name}") format("woff2");\n'
            f"  font-weight: {self.weight};\n"
            f"  unicode-range: {css_range(self.spans)};\n"
            "}\n"
            for family in FAMILIES[self.weight]
        )


def css_range(spans: Iterable[tuple[int, int]]) -> str:
    return ", ".join(f"U+{a:04X}" if a == b else f"U+{a:04X}-{b:04X}" for a, b in spans)


def runs(code_points: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Sorted code points as (first, last) runs of consecutive ones."""
    spans: list[tuple[int, int]] = []
    for point in sorted(set(code_points)):
        if spans and spans[-1][1] == point - 1:
            spans[-1] = (spans[-1][0], point)
        else:
            spans.append((point, point))
    return tuple(spans)


def translated_characters() -> set[str]:
    """Every character of every translation (msgstr) of every catalog."""
    found: set[str] = set()
    for path in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        with path.open("rb") as po:
            catalog = read_po(po)
        for message in catalog:
            if not message.id:
                continue  # the header
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                found.update(text or "")
    return found


def source_face(weight: int) -> tuple[Path, int]:
    """The collection of `weight` and the number of its `SOURCE_FACE` in it."""
    path = SOURCE / f"NotoSansCJK-{WEIGHTS[weight]}.ttc"
    if not path.exists():
        raise SystemExit(f"{path}: missing; install it with: apt-get install -y fonts-noto-cjk")
    for number in range(32):
        if load(path, number)["name"].getDebugName(1) == SOURCE_FACE:
            return path, number
    raise SystemExit(f"{path}: no face named {SOURCE_FACE!r}")


def load(path: Path, number: int) -> TTFont:
    return TTFont(path, fontNumber=number, recalcTimestamp=False, lazy=True)


def plan(weight: int, mapped: set[int], dejavu: set[int], translated: set[str]) -> list[Face]:
    """The faces of `weight`, in CSS order (later ones win where ranges overlap)."""
    ui_points = {p for a, b in UI_BLOCKS for p in range(a, b + 1)}
    ui_points |= {ord(c) for c in translated if c.isprintable()}
    ui_points = {p for p in ui_points if p in mapped and p not in dejavu and p > 0x7F}
    names = {ord(c) for c in "".join(LANGUAGE_NAMES)} - dejavu
    faces = list(_slices(weight, mapped))
    faces.append(Face("ui", weight, tuple(sorted(ui_points)), runs(ui_points)))
    faces.append(Face("languages", weight, tuple(sorted(names)), runs(names)))
    return faces


def _slices(weight: int, mapped: set[int]) -> Iterable[Face]:
    points = sorted(p for a, b in SLICE_BLOCKS for p in range(a, b + 1) if p in mapped)
    for number, start in enumerate(range(0, len(points), SLICE_GLYPHS), 1):
        chunk = points[start : start + SLICE_GLYPHS]
        first, last = chunk[0], chunk[-1]
        # whole blocks where the slice holds all of them: unmapped points cost nothing
        spans = tuple(
            (max(a, first), min(b, last)) for a, b in SLICE_BLOCKS if a <= last and b >= first
        )
        yield Face(f"cjk{number:02d}", weight, tuple(chunk), spans)


def woff2(path: Path, number: int, code_points: Iterable[int]) -> bytes:
    """A WOFF2 subset of face `number` of `path` holding `code_points`."""
    options = subset.Options()
    options.flavor = "woff2"
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.hinting = False
    options.drop_tables += ["vhea", "vmtx", "VORG"]  # no vertical text on the board
    font = TTFont(path, fontNumber=number, recalcTimestamp=False)  # the subsetter edits it
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=list(code_points))
    subsetter.subset(font)
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    return True


def css_block(faces: list[Face]) -> str:
    return CSS_BEGIN + "\n" + "".join(face.css() for face in faces) + CSS_END


def update_css(block: str) -> bool:
    css = CSS.read_text(encoding="utf-8")
    if CSS_BEGIN in css:
        head, _, rest = css.partition(CSS_BEGIN)
        tail = rest.partition(CSS_END)[2]
    else:  # first run: after the last @font-face (DejaVu's)
        cut = css.index("}\n", css.rindex("@font-face")) + 2
        head, tail = css[:cut], "\n" + css[cut:]
    return write_if_changed(CSS, (head + block + tail).encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--slices",
        action="store_true",
        help="rewrite the ideograph slices too (by default kept when present: they depend "
        "only on the source font and SLICE_BLOCKS, and take minutes)",
    )
    args = parser.parse_args(argv)
    dejavu = set(TTFont(DEJAVU_SUBSET).getBestCmap())
    translated = translated_characters()
    faces: list[Face] = []
    for weight in WEIGHTS:
        path, number = source_face(weight)
        mapped = set(load(path, number).getBestCmap())
        missing = sorted(c for c in translated if c.isprintable() and ord(c) not in mapped | dejavu)
        if missing:
            print(f"no font has: {' '.join(missing)}", file=sys.stderr)
        for face in plan(weight, mapped, dejavu, translated):
            target = FONTS / face.file_name
            keep = face.stem.startswith("cjk") and target.exists() and not args.slices
            changed = not keep and write_if_changed(target, woff2(path, number, face.code_points))
            print(
                f"{face.file_name}: {len(face.code_points)} characters, "
                f"{target.stat().st_size:,} bytes{' (written)' if changed else ''}"
            )
            faces.append(face)
    rank = {"languages": 2, "ui": 1}
    faces.sort(key=lambda face: (rank.get(face.stem, 0), face.stem, face.weight))
    print(f"{CSS.name}: {'written' if update_css(css_block(faces)) else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
