"""Printable results as PDF: results sheets, podiums, certificates, an organiser summary.

Made on the Pi with no network: fpdf2 (pure Python) and the DejaVu fonts shipped in
`board/static/fonts`, embedded in the file, so any alias prints as typed. The pages come
from a `Printout` (`board.league.event_export.printout_data` gathers it from the store:
the scope's final classification, each round's places, lap statistics per track); this
module only lays them out, A4, portrait for tables, landscape for podiums and certificates.

Kinds: ``results`` (one sheet per classification: the event's final one, then each
round's), ``podium`` (a page per classification with places 1–3), ``certificates`` (a
page per racer of the scope's classification) and ``summary`` (racers, runs, laps, valid
and invalid laps, completion ratio, fastest lap and best average, per track and in all);
``all`` is every kind in that order.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from fpdf import FPDF
from fpdf.fonts import FontFace

from lapgate.board.charts.distribution import distribution_svg
from lapgate.board.charts.figures import Distribution
from lapgate.board.charts.style import SIZES, THEMES, SizeName, ThemeName
from lapgate.board.domain import EventInfo
from lapgate.board.league.model import RaceResult

FONT_DIR: Final = Path(__file__).resolve().parents[1] / "static" / "fonts"
FONT: Final = "DejaVu"
MONO: Final = "DejaVuMono"
INK: Final = (20, 24, 33)
ACCENT: Final = (230, 160, 20)
PALE: Final = (238, 240, 244)
PODIUM_COLOURS: Final = {1: (232, 185, 35), 2: (178, 184, 192), 3: (196, 128, 72)}


class PrintKind(StrEnum):
    RESULTS = "results"
    PODIUM = "podium"
    CERTIFICATES = "certificates"
    SUMMARY = "summary"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Classification:
    """One ranked list to print: the event's final classification or a round's places."""

    title: str  # "Final classification", "Round 2: Average of 3"
    results: tuple[RaceResult, ...]
    lap_times_ms: tuple[int, ...] = ()  # the valid laps behind it, for the distribution chart
    invalid_laps: int = 0


def lap_chart_svg(classification: Classification) -> str:
    """The classification's lap-time distribution as an SVG document (light, print width);
    "" when it has no laps (an imported race, a round not raced yet)."""
    if not classification.lap_times_ms:
        return ""
    chart = Distribution(
        f"{classification.title} · lap times",
        classification.lap_times_ms,
        classification.invalid_laps,
    )
    return distribution_svg(chart, SIZES[SizeName.TABLET], THEMES[ThemeName.LIGHT])


@dataclass(frozen=True, slots=True)
class TrackSummary:
    """What happened on one track (or, with `track` "All tracks", on all of them)."""

    track: str
    racers: int
    runs: int
    laps: int
    valid_laps: int
    fastest_ms: int | None
    fastest_by: str
    best_average_ms: int | None  # the best average of `average_laps` consecutive valid laps
    best_average_by: str

    @property
    def invalid_laps(self) -> int:
        return self.laps - self.valid_laps

    @property
    def completion_pct(self) -> float | None:
        return round(100 * self.valid_laps / self.laps, 1) if self.laps else None


@dataclass(frozen=True, slots=True)
class Printout:
    """Everything the pages show. `scope` is "" for the whole event, else the round's name;
    `classifications[0]` is the scope's own (certificates use it)."""

    event: EventInfo
    scope: str
    classifications: tuple[Classification, ...]
    tracks: tuple[TrackSummary, ...]
    average_laps: int
    printed_on: dt.date


def time_s(ms: float | None) -> str:
    """Milliseconds as ``"9.750 s"``; an em dash for no time."""
    return "—" if ms is None else f"{ms / 1000:.3f} s"


def place_word(rank: int) -> str:
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


class _Sheets(FPDF):
    """An A4 document with the event's header line and page numbers on every page."""

    def __init__(self, printout: Printout) -> None:
        super().__init__(format="A4", unit="mm")
        self.printout = printout
        self.set_title(f"{printout.event.name} results")
        self.set_creator("lapgate")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSansCondensed.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSansCondensed-Bold.ttf"))
        self.add_font(MONO, "B", str(FONT_DIR / "DejaVuSansMono-Bold.ttf"))
        self.set_auto_page_break(True, margin=16)
        self.set_text_color(*INK)

    def header(self) -> None:
        event = self.printout.event
        self.set_font(FONT, "", 8)
        self.set_text_color(110, 115, 125)
        where = " · ".join(part for part in (event.date, event.venue) if part)
        scope = f" · {self.printout.scope}" if self.printout.scope else ""
        self.cell(0, 5, f"{event.name}{scope}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, where, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.6)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_text_color(*INK)
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(110, 115, 125)
        self.cell(0, 5, f"lapgate · page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(*INK)

    def table_rules(self) -> None:
        """Thin grey rules for tables (a page keeps the colour of the page before)."""
        self.set_draw_color(150, 155, 165)
        self.set_line_width(0.2)
        self.set_fill_color(255, 255, 255)

    def heading(self, text: str, size: float = 18) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)


def _results_page(pdf: _Sheets, classification: Classification) -> None:
    pdf.add_page(orientation="P")
    pdf.heading(classification.title)
    if not classification.results:
        pdf.set_font(FONT, "", 11)
        pdf.cell(0, 8, "No results yet.", new_x="LMARGIN", new_y="NEXT")
        return
    columns = ("Place", "Racer", "Result", "Best lap", "Valid laps", "Resets", "Runs", "Placed by")
    pdf.set_font(FONT, "", 9)
    pdf.table_rules()
    with pdf.table(
        col_widths=(11, 40, 20, 20, 18, 13, 10, 50),
        text_align=("RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=PALE),
        line_height=5.5,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        table.row(columns)
        for r in classification.results:
            table.row(
                (
                    "—" if r.rank is None else str(r.rank),
                    r.alias,
                    time_s(r.ranking_time_ms),
                    time_s(r.best_lap_ms),
                    "" if r.lap_count is None else str(r.lap_count),
                    "" if r.reset_count is None else str(r.reset_count),
                    "" if r.submission_count is None else str(r.submission_count),
                    _placed_by(r),
                )
            )
    _lap_chart(pdf, classification)


def _lap_chart(pdf: _Sheets, classification: Classification) -> None:
    """The lap-time distribution under the results table (on a new page if it does not fit)."""
    svg = lap_chart_svg(classification)
    if not svg:
        return
    svg = re.sub(r"<title>.*?</title>", "", svg, count=1)  # fpdf2 draws no <title>
    size = SIZES[SizeName.TABLET]
    height_mm = pdf.epw * size.height / size.width
    if pdf.get_y() + 6 + height_mm > pdf.page_break_trigger:
        pdf.add_page(orientation="P")
    pdf.ln(6)
    pdf.image(io.BytesIO(svg.encode("utf-8")), x=pdf.l_margin, w=pdf.epw)


def _placed_by(result: RaceResult) -> str:
    how = str(result.extra.get("Format", ""))
    where = str(result.extra.get("Round", ""))
    return f"{where}: {how}" if where and how else how or where


def _podium_page(pdf: _Sheets, classification: Classification) -> None:
    pdf.add_page(orientation="L")
    pdf.heading(f"Podium · {classification.title}", 22)
    by_rank: dict[int, list[RaceResult]] = {}
    for r in classification.results:
        if r.rank is not None and r.rank <= 3:
            by_rank.setdefault(r.rank, []).append(r)
    base_y, step_w = pdf.h - 40, 70.0
    left = (pdf.w - 3 * step_w) / 2
    for slot, rank in enumerate((2, 1, 3)):
        height = {1: 70.0, 2: 52.0, 3: 38.0}[rank]
        x = left + slot * step_w
        pdf.set_fill_color(*PODIUM_COLOURS[rank])
        pdf.rect(x + 2, base_y - height, step_w - 4, height, style="F")
        pdf.set_xy(x + 2, base_y - height + 6)
        pdf.set_font(FONT, "B", 30)
        pdf.set_text_color(255, 255, 255)
        pdf.cell(step_w - 4, 14, place_word(rank), align="C")
        pdf.set_text_color(*INK)
        names = by_rank.get(rank, [])
        text = "\n".join(r.alias for r in names) or "—"
        lines = max(1, len(names))
        pdf.set_font(FONT, "B", 16)
        pdf.set_xy(x, base_y - height - 18 - 8 * (lines - 1))
        pdf.multi_cell(step_w, 8, text, align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_font(MONO, "B", 13)
        times = " / ".join(time_s(r.ranking_time_ms) for r in names) if names else ""
        pdf.cell(step_w, 8, times, align="C")
    if not by_rank:
        pdf.set_xy(pdf.l_margin, 60)
        pdf.set_font(FONT, "", 12)
        pdf.cell(0, 8, "No places yet.", align="C")


def _certificate_page(pdf: _Sheets, result: RaceResult, printout: Printout) -> None:
    pdf.add_page(orientation="L")
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.5)
    pdf.rect(12, 18, pdf.w - 24, pdf.h - 36)
    pdf.set_line_width(0.4)
    pdf.rect(16, 22, pdf.w - 32, pdf.h - 44)
    width = pdf.w - 60

    def line(text: str, font: str, style: str, size: float, height: float, gap: float = 0) -> None:
        pdf.set_font(font, style, size)
        pdf.set_xy(30, pdf.get_y() + gap)
        pdf.multi_cell(width, height, text, align="C", new_x="LEFT", new_y="NEXT")

    pdf.set_y(34)
    line("Certificate of Achievement", FONT, "B", 30, 14)
    line("awarded to", FONT, "", 13, 12)
    line(result.alias, FONT, "B", 34, 16)
    members = str(result.extra.get("Team members", ""))
    if members:  # a team: who it is
        line(members, FONT, "", 13, 7)
    standing = f"{place_word(result.rank)} place" if result.rank is not None else "for taking part"
    event = printout.event.name + (f" · {printout.scope}" if printout.scope else "")
    line(f"{standing} at {event}", FONT, "", 15, 8, gap=2)
    how = str(result.extra.get("Format", ""))
    if result.ranking_time_ms is not None:
        line(f"{time_s(result.ranking_time_ms)}  ({how})" if how else "", MONO, "B", 15, 10, 2)
    elif result.best_lap_ms is not None:
        line(f"best lap {time_s(result.best_lap_ms)}", MONO, "B", 15, 10, 2)
    date = printout.event.date or printout.printed_on.isoformat()
    venue = f" · {printout.event.venue}" if printout.event.venue else ""
    pdf.set_y(pdf.h - 48)
    line(f"{date}{venue}", FONT, "", 12, 8)


def _summary_page(pdf: _Sheets, printout: Printout) -> None:
    pdf.add_page(orientation="P")
    pdf.heading("Organiser summary")
    pdf.set_font(FONT, "", 10)
    classified = printout.classifications[0].results if printout.classifications else ()
    ranked = sum(1 for r in classified if r.rank is not None)
    pdf.multi_cell(
        0,
        5.5,
        f"{len(classified)} racers in the classification, {ranked} with a place. "
        f"Completion ratio: valid laps / all completed laps. Best average: the best "
        f"{printout.average_laps} consecutive valid laps in one run.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    for summary in printout.tracks:
        pdf.set_font(FONT, "B", 13)
        pdf.cell(0, 8, summary.track, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 10)
        pdf.table_rules()
        with pdf.table(
            col_widths=(60, 110),
            text_align=("LEFT", "LEFT"),
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            cell_fill_color=PALE,
            cell_fill_mode="ROWS",
            line_height=5.5,
        ) as table:
            for label, value in _summary_rows(summary):
                table.row((label, value))
        pdf.ln(4)


def _summary_rows(s: TrackSummary) -> Sequence[tuple[str, str]]:
    ratio = "—" if s.completion_pct is None else f"{s.completion_pct:.1f} %"
    fastest = time_s(s.fastest_ms) + (f" ({s.fastest_by})" if s.fastest_by else "")
    average = time_s(s.best_average_ms) + (f" ({s.best_average_by})" if s.best_average_by else "")
    return (
        ("Racers", str(s.racers)),
        ("Runs", str(s.runs)),
        ("Laps", str(s.laps)),
        ("Valid laps", str(s.valid_laps)),
        ("Invalid laps", str(s.invalid_laps)),
        ("Completion ratio", ratio),
        ("Fastest lap", fastest),
        ("Best average", average),
    )


def render_pdf(printout: Printout, kind: PrintKind | str = PrintKind.ALL) -> bytes:
    """The printout's pages of `kind` as a PDF file."""
    kind = PrintKind(kind)
    pdf = _Sheets(printout)
    wanted = set(PrintKind) if kind is PrintKind.ALL else {kind}
    if PrintKind.RESULTS in wanted:
        for classification in printout.classifications:
            _results_page(pdf, classification)
    if PrintKind.PODIUM in wanted:
        for classification in printout.classifications:
            _podium_page(pdf, classification)
    if PrintKind.CERTIFICATES in wanted and printout.classifications:
        for result in printout.classifications[0].results:
            _certificate_page(pdf, result, printout)
    if PrintKind.SUMMARY in wanted:
        _summary_page(pdf, printout)
    if pdf.page_no() == 0:
        _results_page(pdf, Classification("Results", ()))
    return bytes(pdf.output())
