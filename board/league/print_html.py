"""Printable results as one HTML page with print CSS: the same pages as the PDF
(`board.league.printout`), for printing from a browser (A4; podiums and certificates in
landscape; one sheet per printed page).

Rendered with Jinja2 outside Flask, so `lapgate export --format html` writes the same file
the board serves. The page asks for the board's DejaVu fonts at /static/fonts and falls
back to the local DejaVu or sans-serif fonts when opened as a file.

In the language asked for, else the language of the request being served (the board's
export), else English: the gettext catalogs of board/i18n.py, with times, places and
percentages written as the language writes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from lapgate.board import i18n
from lapgate.board.league.printout import (
    Classification,
    PrintKind,
    Printout,
    lap_chart_svg,
    place_word,
    time_s,
)

TEMPLATES: Final = Path(__file__).resolve().parents[1] / "templates"


# A place as each language writes it on a podium: 1st, 1., 1.º, 1位.
ORDINALS: Final[dict[str, str]] = {"de": "{rank}.", "es": "{rank}.º", "ja": "{rank}位"}


def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # newstyle: `_("... %(name)s", name=...)` escapes the values, as Flask-Babel's pages do
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["time_s"] = lambda ms: _time_s(ms, lang)
    env.filters["place_word"] = lambda rank: _place(rank, lang)
    env.filters["percent"] = lambda value: _percent(value, lang)
    env.filters["lap_chart"] = _lap_chart
    return env


def _time_s(ms: float | None, lang: str) -> str:
    """`time_s` with the language's decimal separator ("9,750 s" in German)."""
    if ms is None or lang == i18n.DEFAULT_LANGUAGE:
        return time_s(ms)
    return format_decimal(ms / 1000, format="0.000", locale=lang) + " s"


def _place(rank: int, lang: str) -> str:
    template = ORDINALS.get(lang)
    return template.format(rank=rank) if template else place_word(rank)


def _percent(value: float | None, lang: str) -> str:
    """A percentage with one decimal ("87.5 %", "87,5 %"); an em dash for none."""
    if value is None:
        return "—"
    return format_decimal(value, format="0.0", locale=lang) + " %"


def _language(lang: str | None) -> str:
    """`lang`, else the language of the request being served (the board), else English."""
    if lang is not None:
        return i18n.language_or_none(lang) or i18n.DEFAULT_LANGUAGE
    from flask import current_app, has_request_context

    if has_request_context() and "lapgate.language" in current_app.extensions:
        return i18n.current_language()
    return i18n.DEFAULT_LANGUAGE


def _lap_chart(classification: Classification) -> Markup:
    """The classification's lap-time chart, inline: SVG from `board.charts`, whose writer
    escapes every string it draws (so the markup is safe to mark as such)."""
    return Markup(lap_chart_svg(classification))  # escaped by board.charts.svg


def render_html(
    printout: Printout, kind: PrintKind | str = PrintKind.ALL, lang: str | None = None
) -> str:
    """The printout's pages of `kind` as one HTML document, in `lang` (see `_language`)."""
    kind = PrintKind(kind)
    wanted = {k.value for k in PrintKind} if kind is PrintKind.ALL else {kind.value}
    lang = _language(lang)
    template = _environment(lang).get_template("print.html")
    return template.render(p=printout, wanted=wanted, lang=lang)
