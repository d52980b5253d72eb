"""The lap-time distribution on printed results sheets (PDF and print page)."""

from __future__ import annotations

import re

from test_league_drem_printout import store, texts

from lapgate.board.league.event_export import export_file, printout_data
from lapgate.board.store.sql import SqlStore

__all__ = ["store"]


def test_each_results_sheet_counts_its_own_laps(store: SqlStore) -> None:
    event = next(e for e in store.list_events() if e.event_id == "e")
    final, qualifying, last = printout_data(store, event, None).classifications
    # Qualifying: Ada 10, 10.5 (+ 9.0 invalid), the second racer 11, Ŝtefan 12, 12.25
    assert sorted(qualifying.lap_times_ms) == [10_000, 10_500, 11_000, 12_000, 12_250]
    assert qualifying.invalid_laps == 1
    assert sorted(last.lap_times_ms) == [10_000, 10_250, 11_000, 11_500]
    assert len(final.lap_times_ms) == 9 and final.invalid_laps == 1


def test_the_pdf_results_sheets_show_the_distribution(store: SqlStore) -> None:
    pages = texts(export_file(store, "e", "pdf", kind="results"))
    assert len(pages) == 3  # the chart fits under each short table
    assert "Final classification · lap times" in pages[0]
    assert "9 valid laps · 1 invalid not shown" in pages[0]
    assert "Round 1: Qualifying · lap times" in pages[1] and "median 11.000" in pages[1]
    assert "best 10.000" in pages[2]


def test_the_print_page_has_the_chart_inline_and_escaped(store: SqlStore) -> None:
    page = export_file(store, "e", "html", kind="results").decode("utf-8")
    charts = re.findall(r'<div class="lap-chart"><svg [^>]*aria-label="([^"]*)"', page)
    assert charts == [
        "Lap-time distribution: Final classification · lap times",
        "Lap-time distribution: Round 1: Qualifying · lap times",
        "Lap-time distribution: Round 2: Final · lap times",
    ]
    assert "&lt;svg" not in page  # the chart is markup, not escaped twice
