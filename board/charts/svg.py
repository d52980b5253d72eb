"""A small SVG writer that escapes every string it is given.

Charts are built element by element from numbers and text; text content and attribute
values pass through `escape`, which also drops the characters XML cannot hold (a racer
alias with a control character would otherwise make the whole image unreadable). The
result is a standalone SVG document, served as ``image/svg+xml`` and shown with ``<img>``,
where a browser never runs scripts: escaping keeps the markup intact, the ``<img>`` keeps
it inert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape as _html_escape

# Characters XML 1.0 does not allow: C0 controls but tab/newline/return, lone surrogates,
# and the two non-characters U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

FONT_FAMILY = "DejaVu Sans Condensed, DejaVu Sans, Liberation Sans, Arial, sans-serif"
MONO_FAMILY = "DejaVu Sans Mono, Liberation Mono, monospace"


def escape(text: object) -> str:
    """`text` safe as XML text or a double-quoted attribute value."""
    return _html_escape(_NOT_XML.sub("", str(text)), quote=True)


def num(value: float) -> str:
    """A coordinate with at most one decimal (smaller files, same picture)."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def _attrs(attrs: dict[str, object]) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        shown = num(value) if isinstance(value, float) else value
        parts.append(f' {name}="{escape(shown)}"')
    return "".join(parts)


@dataclass
class Svg:
    """An SVG document of `width` × `height` user units that scales to its container."""

    width: float
    height: float
    label: str  # the accessible name (aria-label and <title>)
    parts: list[str] = field(default_factory=list)

    def add(self, tag: str, content: str | None = None, **attrs: object) -> None:
        """An element; `content` is text (escaped here), never markup."""
        if content is None:
            self.parts.append(f"<{tag}{_attrs(attrs)}/>")
        else:
            self.parts.append(f"<{tag}{_attrs(attrs)}>{escape(content)}</{tag}>")

    def text(
        self,
        x: float,
        y: float,
        content: str,
        size: float,
        fill: str,
        *,
        anchor: str = "start",
        weight: int = 400,
        mono: bool = False,
        class_: str | None = None,
    ) -> None:
        self.add(
            "text",
            content,
            x=float(x),
            y=float(y),
            font_size=float(size),
            fill=fill,
            text_anchor=anchor,
            font_weight=weight,
            font_family=MONO_FAMILY if mono else FONT_FAMILY,
            class_=class_,
        )

    def render(self) -> str:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {num(self.width)} '
            f'{num(self.height)}" width="{num(self.width)}" height="{num(self.height)}" '
            f'role="img" aria-label="{escape(self.label)}">'
        )
        return head + f"<title>{escape(self.label)}</title>" + "".join(self.parts) + "</svg>"
