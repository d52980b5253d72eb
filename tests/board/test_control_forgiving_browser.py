"""Staff input that forgives (issue 13), in a real Chromium on /control with the real host."""

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


def _control(page: Any, served: str) -> None:
    page.goto(served + "/control")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_function(
        "window.__lapgate && window.__lapgate.state && !window.__lapgate.awaiting"
        " && document.getElementById('conn').textContent === 'live'"
    )


def _laps_ms(board: Board) -> list[int]:
    run = board.host.snapshot()["tracks"][0]["run"]
    return [lap["duration_ms"] for lap in run["laps"]]


def test_a_double_click_on_manual_lap_gives_one_lap(board: Board, served: str, page: Any) -> None:
    board.queue("Alice")
    board.stage()
    board.cross(1)
    _control(page, served)
    board.clock.advance(9)
    page.dblclick("button[data-action=manual_lap]")
    page.wait_for_function("window.__control.pending() === 0")
    board.host.sync()
    assert _laps_ms(board) == [9000]
    page.wait_for_function("document.querySelectorAll('#laps tr').length === 1")
    run = board.host.snapshot()["tracks"][0]["run"]
    assert run["laps"][0]["source"] == "manual"
    assert "inside the 3.000 s lockout" in run["ignored_crossings"][0]["reason"]
    assert page.text_content("#toast").startswith("Manual lap ignored: 0.000 s after")


def test_typing_a_name_with_hotkey_letters_changes_nothing(
    board: Board, served: str, page: Any
) -> None:
    board.queue("Alice")
    board.stage()
    board.cross(1)
    board.cross(10)  # Alice is running, lap 1 done
    _control(page, served)
    before = board.host.snapshot()
    page.keyboard.press("a")  # to the alias field
    page.keyboard.type("Ed")
    page.keyboard.press("Enter")  # Ed is queued; the field keeps the focus
    page.wait_for_function("document.querySelectorAll('#queue li').length === 1")
    page.keyboard.type("Eve Zed Speed")  # E (end), Z (undo), space (manual lap), D (DNF)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#queue li').length === 2")
    page.wait_for_function("window.__control.pending() === 0")
    board.host.sync()
    after = board.host.snapshot()
    assert after["tracks"][0]["run"] == before["tracks"][0]["run"]  # the run is untouched
    assert [e["name"] for e in after["tracks"][0]["queue"]] == ["Ed", "Eve Zed Speed"]
    assert page.locator("#confirm-dialog[open]").count() == 0
    page.keyboard.type("ed")  # Ed again: the same person? Enter answers only that dialog
    page.keyboard.press("Enter")
    page.wait_for_selector("#same-dialog[open]")
    page.keyboard.press("Enter")  # same person: queued, with a warning
    page.wait_for_function(
        "document.getElementById('toast').textContent.startsWith('Ed was already in the queue')"
    )


def test_end_and_dnf_ask_first_and_enter_answers_only_that_dialog(
    board: Board, served: str, page: Any
) -> None:
    board.queue("Alice")
    board.stage()
    board.cross(1)
    board.cross(10)
    _control(page, served)
    page.keyboard.press("e")
    page.wait_for_selector("#confirm-dialog[open]")
    assert page.text_content("#cd-text").startswith("End Alice's run now?")
    page.keyboard.press("Escape")  # no
    page.wait_for_function("!document.getElementById('confirm-dialog').open")
    page.keyboard.press("d")
    page.wait_for_selector("#confirm-dialog[open]")  # the key right after the close acts
    page.keyboard.type("car broke")  # the reason field has the focus: these are not keys
    page.keyboard.press("Enter")  # answers the DNF question, and nothing else
    page.wait_for_function("document.getElementById('run-status').textContent.startsWith('DNF')")
    board.host.sync()
    run = board.host.snapshot()["tracks"][0]["run"]
    assert run["status"] == "dnf"
    last = board.host.call(lambda race: race.runs[run["run_id"]].log.entries[-1].event)
    assert last.reason == "car broke"
    assert [lap["duration_ms"] for lap in run["laps"]] == [10000]


def test_unstage_and_abort_from_the_page(board: Board, served: str, page: Any) -> None:
    board.queue("Alice", "Bob")
    board.stage()
    _control(page, served)
    page.wait_for_function("document.getElementById('racer').textContent === 'Alice'")
    page.click("button[data-action=unstage]")
    page.wait_for_function("document.querySelector('#queue li .name').textContent === 'Alice'")
    assert page.text_content("#racer") == "—"
    page.wait_for_function("document.getElementById('run-clock').textContent === '—'")
    round_id = board.host.snapshot()["tracks"][0]["round"]["round_id"]
    assert board.store.list_runs(round_id) == []  # no trace
    page.keyboard.press("n")  # Alice again, then a track fault: abort with a reason
    page.wait_for_function("document.getElementById('racer').textContent === 'Alice'")
    board.cross(1)
    page.click("button[data-action=abort]")
    page.wait_for_selector("#confirm-dialog[open]")
    page.click("#cd-confirm")  # no reason yet: the dialog asks for one
    assert page.locator("#confirm-dialog[open]").count() == 1
    page.fill("#cd-reason", "timing strip came loose")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.getElementById('run-status').textContent.startsWith('aborted')"
    )
    assert [r.racer_id for r in board.store.list_runs(round_id)] == [
        board.host.snapshot()["tracks"][0]["run"]["racer_id"]
    ]


def test_z_twice_undoes_two_staff_actions_and_not_the_gate_crossing_between(
    board: Board, served: str, page: Any
) -> None:
    board.queue("Alice")
    board.stage()
    board.cross(1)
    board.cross(10)  # lap 1: 10 s
    _control(page, served)
    board.clock.advance(2)
    page.keyboard.press("r")  # staff: a reset on the lap in progress (lap 2)
    page.wait_for_function("window.__control.pending() === 0")
    board.cross(9)  # the gate: lap 2 ends (11 s), arriving between the two staff actions
    page.wait_for_function("document.querySelectorAll('#laps tr').length === 2")
    page.keyboard.press("ArrowDown")  # lap 2
    page.keyboard.press("ArrowDown")  # lap 1
    page.keyboard.press("i")  # staff: lap 1 invalid
    page.wait_for_function("document.querySelectorAll('#laps tr.invalid-row').length === 1")
    run = board.host.snapshot()["tracks"][0]["run"]
    assert [lap["resets"] for lap in run["laps"]] == [0, 1]
    page.keyboard.press("z")
    page.keyboard.press("z")
    page.wait_for_function("window.__control.pending() === 0")
    board.host.sync()
    run = board.host.snapshot()["tracks"][0]["run"]
    assert [lap["duration_ms"] for lap in run["laps"]] == [10000, 11000]  # crossing kept
    assert [lap["resets"] for lap in run["laps"]] == [0, 0]
    assert all(lap["valid"] for lap in run["laps"])
    page.keyboard.press("z")  # nothing of this page's left: the crossing stays
    page.wait_for_function("document.getElementById('toast').textContent.startsWith('Nothing')")
    page.keyboard.press("Shift+Z")  # redo: the reset comes back
    page.wait_for_function("window.__control.pending() === 0")
    board.host.sync()
    run = board.host.snapshot()["tracks"][0]["run"]
    assert [lap["resets"] for lap in run["laps"]] == [0, 1]
    assert len(run["laps"]) == 2


@pytest.fixture
def sql_served(tmp_path: Path) -> Iterator[tuple[Board, str]]:
    """A board on a SQLite file (exports need the SQL store), served over HTTP."""
    settings = make_settings()
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


def _final_row(page: Any, served: str, name: str) -> dict[str, str]:
    text = page.request.get(served + "/api/export/final-csv").text()
    return next(row for row in csv.DictReader(io.StringIO(text)) if name in row.values())


def test_a_past_run_corrected_after_the_next_racer_is_staged_changes_the_export(
    sql_served: tuple[Board, str], page: Any
) -> None:
    board, served = sql_served
    board.queue("Alice", "Bob")
    board.stage()
    board.cross(1)
    board.cross(10)  # lap 1: 10 s
    board.cross(12)  # lap 2: 12 s
    board.host.execute("end", {})
    board.stage()  # Bob is on track now
    _control(page, served)
    assert _final_row(page, served, "Alice")["BestLapTime"] == "10000"
    page.click("#board-rows li[data-racer] >> text=Alice")
    page.click("#racer-runs button[data-run]")
    page.wait_for_function("document.getElementById('racer').textContent === 'Alice'")
    assert page.text_content("#correcting-text").startswith("Correcting Alice's run 1")
    page.keyboard.press("ArrowDown")  # lap 2
    page.keyboard.press("ArrowDown")  # lap 1
    page.keyboard.press("i")  # lap 1 was a cut: invalid
    page.wait_for_function("document.querySelectorAll('#laps tr.invalid-row').length === 1")
    assert _final_row(page, served, "Alice")["BestLapTime"] == "12000"
    page.keyboard.press("d")  # a DNF by mistake on the past run, then undone with Z
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('run-status').textContent.startsWith('DNF')")
    page.keyboard.press("z")
    page.wait_for_function(
        "document.getElementById('run-status').textContent.startsWith('finished')"
    )
    assert board.host.snapshot()["tracks"][0]["run"]["racer"] == "Bob"  # Bob untouched
    page.click("#correcting-done")
    page.wait_for_function("document.getElementById('racer').textContent === 'Bob'")


def test_rename_from_the_page_shows_live_on_the_big_screen(
    board: Board, served: str, page: Any, browser: Any
) -> None:
    board.queue("Alcie", "Bob")
    board.stage()
    board.cross(1)
    board.cross(10)
    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    screen.goto(served + "/")
    screen.wait_for_function("document.getElementById('racer').textContent === 'Alcie'")
    _control(page, served)
    page.click("#board-rows li[data-racer] >> text=Alcie")
    page.click("#rename-racer")
    page.wait_for_selector("#confirm-dialog[open]")
    page.fill("#cd-reason", "Bob")  # another racer's alias: refused, says why
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('toast').textContent.includes('merge them')")
    page.click("#rename-racer")
    page.fill("#cd-reason", "Alice")
    page.keyboard.press("Enter")
    screen.wait_for_function("document.getElementById('racer').textContent === 'Alice'")
    screen.wait_for_function(
        "document.querySelector('#leaderboard li .name').textContent === 'Alice'"
    )
    page.wait_for_function("document.getElementById('racer').textContent === 'Alice'")
    assert page.locator("#board-rows li .name").first.text_content() == "Alice"
    racer_id = board.host.snapshot()["tracks"][0]["run"]["racer_id"]
    assert board.store.get_racer(racer_id).alias == "Alice"  # type: ignore[union-attr]
    screen.close()


def test_new_leader_goes_when_the_lap_that_made_it_is_corrected(
    board: Board, served: str, browser: Any
) -> None:
    board.queue("Alice", "Bob")
    board.stage()
    board.cross(1)
    board.cross(10)
    board.host.execute("end", {})
    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    screen.goto(served + "/")
    screen.wait_for_function("window.__lapgate && window.__lapgate.state")
    board.stage()
    board.cross(1)
    board.cross(9)  # Bob leads
    screen.wait_for_function("!document.getElementById('highlight').hidden")
    assert screen.text_content("#highlight .who") == "Bob"
    board.host.execute("invalidate", {"lap": 1, "reason": "cut"})  # the 9 s lap did not count
    # at once, not when the box's 4 s are up
    screen.wait_for_function("document.getElementById('highlight').hidden", timeout=2000)
    screen.close()


def test_two_digit_ranks_keep_clear_of_the_name_on_the_big_screen(
    board: Board, served: str, browser: Any
) -> None:
    for number in range(11):
        board.queue(f"Racer {number}")
        board.stage()
        board.cross(1)
        board.cross(10 + number / 10)
        board.host.execute("end", {})
    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    screen.goto(served + "/")
    screen.wait_for_function("document.querySelectorAll('#leaderboard li').length === 11")
    gap_px = screen.evaluate(
        """() => {
          const row = [...document.querySelectorAll('#leaderboard li')]
            .find((li) => li.querySelector('.rank').textContent === '10');
          const range = document.createRange();
          range.selectNodeContents(row.querySelector('.rank'));
          return row.querySelector('.name').getBoundingClientRect().left
            - range.getBoundingClientRect().right;
        }"""
    )
    assert gap_px >= 10  # "10 Racer 9", never "10Racer 9"
    screen.close()
