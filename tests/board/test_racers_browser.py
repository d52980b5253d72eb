"""Racers from /control (issue 13), in a real Chromium with the real engine host:
"same person?" when a known name is typed, and merge / split / delete, all live."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_support import STAFF_PASSWORD, Board, FakeClock, make_settings

from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import Race
from lapgate.board.service import BoardServer
from lapgate.board.store.sql import SqlStore
from lapgate.board.web.app import create_app

pytestmark = pytest.mark.browser


@pytest.fixture
def sql_served(tmp_path: Path) -> Iterator[tuple[Board, str]]:
    """A board on a SQLite file (the store merges and exports use), served over HTTP."""
    settings = make_settings(runs_per_racer=0)
    clock = FakeClock()
    store = SqlStore(f"sqlite:///{tmp_path / 'summit.db'}")
    host = EngineHost(Race(store, settings, {"finish": clock}), tick_s=0.01)
    app = create_app(settings, host, testing=True)
    host.start()
    server = BoardServer(app, "127.0.0.1", 0)
    server.start()
    yield Board(settings, clock, store, host, app), f"http://127.0.0.1:{server.port}"  # type: ignore[arg-type]
    server.stop()
    host.stop()
    store.close()


def _control(page: Any, served: str) -> None:
    page.goto(served + "/control")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_function(
        "window.__lapgate && window.__lapgate.state && !window.__lapgate.awaiting"
        " && document.getElementById('conn').textContent === 'live'"
    )


def _race(board: Board, *laps_s: float) -> None:
    board.stage()
    board.cross(1)
    for lap_s in laps_s:
        board.cross(lap_s)
    board.host.execute("end", {})


def _queue_names(board: Board) -> list[str]:
    board.host.sync()
    return [e["name"] for e in board.host.snapshot()["tracks"][0]["queue"]]


def _export_names(page: Any, served: str) -> list[str]:
    text = page.request.get(served + "/api/export/final-csv").text()
    return sorted(row["Alias"] for row in csv.DictReader(io.StringIO(text)))


def test_a_known_name_asks_same_person_showing_their_runs(
    sql_served: tuple[Board, str], page: Any
) -> None:
    board, served = sql_served
    board.queue("Ada")
    _race(board, 9.5)
    _control(page, served)
    page.fill("#add-alias", "ada")
    page.keyboard.press("Enter")
    page.wait_for_selector("#same-dialog[open]")
    assert "Same person?" in page.text_content("#sd-text")
    assert "run 1 · finished · 1 lap · best 9.500" in page.text_content("#sd-matches")
    assert _queue_names(board) == []  # nothing queued before the answer
    page.keyboard.press("Enter")  # the focused answer: same person
    page.wait_for_function("document.querySelectorAll('#queue li').length === 1")
    assert _queue_names(board) == ["Ada"]
    racers = board.host.call(lambda race: [r.alias for r in race.racers.values()])
    assert racers == ["Ada"]
    page.fill("#add-alias", "Ada")  # a second person called Ada
    page.keyboard.press("Enter")
    page.wait_for_selector("#same-dialog[open]")
    page.click("#sd-new")
    page.wait_for_function("document.querySelectorAll('#queue li').length === 2")
    racers = board.host.call(lambda race: [r.alias for r in race.racers.values()])
    assert racers == ["Ada", "Ada"]
    assert page.evaluate("document.activeElement.id") == "add-alias"


def test_merge_split_and_delete_live_from_the_page(
    sql_served: tuple[Board, str], page: Any
) -> None:
    board, served = sql_served
    board.queue("Eve")
    _race(board, 9.0)
    board.queue("Eve S.")
    _race(board, 8.0)
    board.queue("Eve S.", "Typo")
    _control(page, served)
    assert _export_names(page, served) == ["Eve", "Eve S."]
    page.click("#board-rows li[data-racer] >> text=Eve S.")  # not the kept one: Eve
    page.click("#board-rows li[data-racer] >> text=/^Eve$/")
    page.wait_for_selector("#merge-from")
    page.select_option("#merge-from", label="Eve S. (1 run)")
    page.click("#merge-racer")
    page.wait_for_selector("#confirm-dialog[open]")
    assert "Merge Eve S. (1 run) into Eve?" in page.text_content("#cd-text")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#board-rows li').length === 1")
    assert _export_names(page, served) == ["Eve"]
    assert _queue_names(board) == ["Eve", "Typo"]
    # the next run is stored under the kept racer
    _race(board, 7.5)
    round_id = board.host.snapshot()["tracks"][0]["round"]["round_id"]
    eve_id = board.host.call(lambda race: race.racers_named("Eve")[0].racer_id)
    assert {r.racer_id for r in board.store.list_runs(round_id)} == {eve_id}
    # split it again: the moved run goes back
    page.wait_for_selector("#racer-runs >> text=Merged in: Eve S.")
    page.click("#racer-runs button >> text=Split")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#board-rows li').length === 2")
    assert _export_names(page, served) == ["Eve", "Eve S."]
    # a typo with no run: taken off the queue, found by name and deleted
    page.click("#queue li:has-text('Typo') button[title='Remove from the queue']")
    page.fill("#racer-find", "typ")
    page.click("#racer-found li >> text=Typo")
    page.click("#delete-racer")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('toast').textContent === 'Typo deleted'")
    racers = board.host.call(lambda race: sorted(r.alias for r in race.racers.values()))
    assert racers == ["Eve", "Eve S."]
