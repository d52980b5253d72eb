"""The print page in the language asked for (the board's export: the request's language)."""

from __future__ import annotations

from test_league_drem_printout import store

from lapgate.board.league.event_export import printout_data
from lapgate.board.league.print_html import render_html
from lapgate.board.store.sql import SqlStore

__all__ = ["store"]


def test_the_print_page_in_german(store: SqlStore) -> None:
    event = next(e for e in store.list_events() if e.event_id == "e")
    printout = printout_data(store, event, None)
    page = render_html(printout, lang="de")
    assert '<html lang="de">' in page and "Urkunde" in page and "Beste Runde" in page
    assert "1. Platz bei Print Summit" in page and "10,000 s" in page
    assert "Certificate of Achievement" in render_html(printout)  # English outside a request
