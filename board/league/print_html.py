"""Printable results as one HTML page with print CSS: the same pages as the PDF
(`board.league.printout`), for printing from a browser (A4; podiums and certificates in
landscape; one sheet per printed page).

Rendered with Jinja2 outside Flask, so `lapgate export --format html` writes the same file
the board serves. The page asks for the board's DejaVu fonts at /static/fonts and falls
back to the local DejaVu or sans-serif fonts when opened as a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from lapgate.board.league.printout import (
    Classification,
    PrintKind,
    Printout,
    lap_chart_svg,
    place_word,
    time_s,
)

TEMPLATES: Final = Path(__file__).resolve().parents[1] / "templates"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["time_s"] = time_s
    env.filters["place_word"] = place_word
    env.filters["lap_chart"] = _lap_chart
    return env


def _lap_chart(classification: Classification) -> Markup:
    """The classification's lap-time chart, inline: SVG from `board.charts`, whose writer
    escapes every string it draws (so the markup is safe to mark as such)."""
    return Markup(lap_chart_svg(classification))  # escaped by board.charts.svg


def render_html(printout: Printout, kind: PrintKind | str = PrintKind.ALL) -> str:
    """The printout's pages of `kind` as one HTML document."""
    kind = PrintKind(kind)
    wanted = {k.value for k in PrintKind} if kind is PrintKind.ALL else {kind.value}
    return _environment().get_template("print.html").render(p=printout, wanted=wanted)
