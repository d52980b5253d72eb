"""Every character of every translation is drawn by a font lapgate serves (a venue's screen
may have no Japanese font: without ours it shows empty boxes).

The check reads base.css as a browser does: the "LG Sans" @font-face rules of a weight, the
one declared last first, each only for the characters of its `unicode-range`, falling
through to the next when its file (read with fontTools) lacks the glyph. A failure after
new translations means: regenerate the Japanese faces (tools/subset_fonts_ja.py, see its
docstring) and commit the fonts and base.css.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from lapgate.board.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "board" / "static"
CSS = STATIC / "css" / "base.css"
JA_FACE = "NotoSansJP-"
# Faces fit for the UI's text: not the full DejaVu TTFs (680 KB), nor an ideograph slice
# (several 100 KB, meant for racers' names): a translation with new characters needs the
# Japanese UI faces made again.
UI_FACE_ENDINGS = (
    "DejaVuSansCondensed-subset.woff2",
    "DejaVuSansCondensed-Bold-subset.woff2",
    "DejaVuSansMono-Bold-subset.woff2",
    "-ui-subset.woff2",
    "-languages-subset.woff2",
)


@dataclass(frozen=True)
class FontFace:
    family: str
    file: Path
    weight: int
    spans: tuple[tuple[int, int], ...]

    def ranges_hold(self, char: str) -> bool:
        return any(first <= ord(char) <= last for first, last in self.spans)


def parse_range(text: str) -> tuple[tuple[int, int], ...]:
    spans = []
    for part in text.split(","):
        first, _, last = part.strip().removeprefix("U+").partition("-")
        spans.append((int(first, 16), int(last or first, 16)))
    return tuple(spans)


@cache
def font_faces() -> tuple[FontFace, ...]:
    """base.css's @font-face rules, in the order they are declared."""
    faces = []
    for body in re.findall(r"@font-face \{(.*?)\}", CSS.read_text(encoding="utf-8"), re.S):
        fields = dict(re.findall(r"([a-z-]+):\s*(.*?);", body))
        url = re.search(r'url\("\.\./(.*?)"\)', fields["src"])
        assert url is not None, body
        faces.append(
            FontFace(
                fields["font-family"].strip('"'),
                STATIC / url.group(1),
                int(fields["font-weight"]),
                parse_range(fields.get("unicode-range", "U+0-10FFFF")),
            )
        )
    return tuple(faces)


@cache
def cmap(file: Path) -> frozenset[int]:
    return frozenset(TTFont(file).getBestCmap())


def drawing_face(char: str, weight: int, family: str = "LG Sans") -> FontFace | None:
    """The face a browser draws `char` with at `weight`, or None (a font of the device)."""
    for face in reversed(font_faces()):
        if (face.family, face.weight) != (family, weight) or not face.ranges_hold(char):
            continue
        if ord(char) in cmap(face.file):
            return face
    return None


def translations() -> dict[str, str]:
    """Every translated text (and the language switch's names), keyed by where it is."""
    texts = {f"LANGUAGES[{code}]": name for code, name in LANGUAGES.items()}
    for path in sorted((ROOT / "board" / "translations").glob("*/LC_MESSAGES/messages.po")):
        with path.open("rb") as po:
            for message in read_po(po):
                strings = message.string if isinstance(message.string, tuple) else [message.string]
                for number, text in enumerate(strings):
                    if message.id and text:
                        texts[f"{path.relative_to(ROOT)}: {message.id!r}[{number}]"] = text
    for path in sorted((STATIC / "i18n").glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            for number, text in enumerate([value] if isinstance(value, str) else value):
                texts[f"{path.relative_to(ROOT)}: {key!r}[{number}]"] = text
    return texts


@pytest.mark.parametrize(
    ("family", "weight"), [("LG Sans", 400), ("LG Sans", 700), ("LG Mono", 700)]
)
def test_every_translated_character_is_in_a_served_ui_face(family: str, weight: int) -> None:
    missing: dict[str, str] = {}
    for where, text in translations().items():
        for char in text:
            if not char.isprintable():
                continue
            face = drawing_face(char, weight, family)
            if face is None or not face.file.name.endswith(UI_FACE_ENDINGS):
                missing.setdefault(char, where)
    assert missing == {}, (
        f"characters no UI face of {family} {weight} draws (a page would fetch a slice or a "
        "TTF, or show an empty box): run "
        "tools/subset_fonts_ja.py (see its docstring) and commit the fonts and base.css"
    )


def test_the_check_tells_which_face_draws_a_character() -> None:
    def drawn_by(char: str) -> str | None:
        face = drawing_face(char, 400)
        return face.file.name if face else None

    assert drawn_by("A") == "DejaVuSansCondensed-subset.woff2"
    assert drawn_by("ß") == "DejaVuSansCondensed-subset.woff2"
    assert drawn_by("Ж") == "DejaVuSansCondensed.ttf"  # the full TTF: not for translations
    assert drawn_by("日") == "NotoSansJP-Regular-languages-subset.woff2"
    assert drawn_by("ぬ") == "NotoSansJP-Regular-ui-subset.woff2"  # all of hiragana
    assert drawn_by("ヴ") == "NotoSansJP-Regular-ui-subset.woff2"  # all of katakana
    assert re.fullmatch(r"NotoSansJP-Regular-cjk\d+-subset\.woff2", drawn_by("鑫") or "")
    assert drawn_by("\U00020b9f") is None  # CJK extension B: not served
    assert drawn_by("🏁") is None


def test_the_japanese_faces_come_after_dejavu_and_leave_its_characters_to_it() -> None:
    faces = font_faces()
    japanese = [face for face in faces if face.file.name.startswith(JA_FACE)]
    first = faces.index(japanese[0])
    assert japanese == list(faces[first:]), "the Japanese faces are declared last"
    families = {(f.family, f.weight) for f in japanese}
    assert families == {("LG Sans", 400), ("LG Sans", 700), ("LG Mono", 700)}
    dejavu = cmap(STATIC / "fonts" / "DejaVuSansCondensed-subset.woff2")
    for face in japanese:
        inside = {p for p in dejavu if any(a <= p <= b for a, b in face.spans)}
        assert inside == set(), f"{face.file.name} would draw DejaVu's {sorted(inside)[:5]}"
        assert cmap(face.file) <= {p for a, b in face.spans for p in range(a, b + 1)}


def test_the_japanese_faces_stay_small() -> None:
    japanese = [face for face in font_faces() if face.file.name.startswith(JA_FACE)]
    sizes = {face.file.name: face.file.stat().st_size for face in japanese}
    for name, size in sizes.items():
        limit = 8_000 if "-languages-" in name else 300_000 if "-ui-" in name else 400_000
        assert size < limit, (name, size)
    assert sum(sizes.values()) < 16_000_000
    license_text = (STATIC / "fonts" / "NotoSansCJK-LICENSE.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in license_text
