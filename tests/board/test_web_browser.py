"""Real-browser tests (Debian chromium via Playwright): what people at the track see."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from web_support import STAFF_PASSWORD, Board

pytestmark = pytest.mark.browser
XSS_NAME = "<img src=x onerror=alert(1)>"


def _wait_live(page: Any) -> None:
    page.wait_for_function(
        "window.__lapgate && window.__lapgate.state && !window.__lapgate.awaiting"
    )


def test_big_screen_updates_laps_and_leaderboard(board: Board, served: str, page: Any) -> None:
    board.queue("Alice", "Bob")
    board.stage()
    page.goto(served + "/")
    _wait_live(page)
    assert page.text_content("#racer") == "Alice"
    board.cross(1)
    board.cross(9.5)
    board.cross(9.25)
    page.wait_for_function("document.querySelectorAll('#laps li').length === 2")
    assert page.inner_text("#laps").split() == ["1", "9.500", "2", "9.250"]
    assert page.text_content("#best-lap") == "9.250"
    row = page.locator("#leaderboard li").first
    assert row.inner_text().split("\n")[:3] == ["1", "Alice", "9.250"]
    board.clock.advance(61)
    board.host.sync()  # time up
    board.stage()
    board.cross(1)
    board.cross(9)
    page.wait_for_function("document.querySelector('#leaderboard li .name').textContent === 'Bob'")
    names = page.locator("#leaderboard li .name").all_text_contents()
    assert names == ["Bob", "Alice"]
    assert page.locator("#leaderboard li .gap").nth(1).text_content() == "+0.250"
    assert page.locator("#highlight .kind").text_content() == "New leader"
    assert page.locator("#highlight .who").text_content() == "Bob"


def test_control_page_runs_a_whole_run_with_the_keyboard(
    board: Board, served: str, page: Any
) -> None:
    page.goto(served + "/control")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    _wait_live(page)
    page.wait_for_function("document.getElementById('conn').textContent === 'live'")
    page.keyboard.press("a")
    for alias in ("Carol", "Dave"):  # the alias field keeps the focus for the next name
        page.keyboard.type(alias)
        page.keyboard.press("Enter")
        page.wait_for_function("document.getElementById('add-alias').value === ''")
    page.wait_for_function("document.querySelectorAll('#queue li').length === 2")
    page.keyboard.press("Escape")  # leave the field: keys are actions again
    page.wait_for_function("document.activeElement === document.body")
    page.keyboard.press("q")  # queue mode: Carol selected
    page.keyboard.press("Shift+ArrowDown")  # Carol moves behind Dave
    page.wait_for_function("document.querySelector('#queue li .name').textContent === 'Dave'")
    page.keyboard.press("ArrowUp")  # select Dave
    page.keyboard.press("Delete")  # remove Dave
    page.wait_for_function("document.querySelectorAll('#queue li').length === 1")
    page.keyboard.press("Escape")
    page.keyboard.press("n")  # stage
    page.wait_for_function("document.getElementById('racer').textContent === 'Carol'")
    board.cross(1)  # rolling start
    board.cross(10)
    board.clock.advance(9)
    page.keyboard.press("Space")  # manual lap: 9 s
    page.wait_for_function("document.querySelectorAll('#laps tr').length === 2")
    board.clock.advance(2)
    page.keyboard.press("r")  # a reset on the lap in progress
    board.clock.advance(8)
    page.keyboard.press("Space")  # lap 3: 10 s with 1 reset
    page.wait_for_function("document.querySelectorAll('#laps tr').length === 3")
    page.keyboard.press("ArrowDown")  # down the newest-first table: the last lap (3)
    page.keyboard.press("ArrowDown")  # lap 2
    page.keyboard.press("i")  # invalidate lap 2
    page.wait_for_function("document.querySelectorAll('#laps tr.invalid-row').length === 1")
    page.keyboard.press("z")  # undo it
    page.wait_for_function("document.querySelectorAll('#laps tr.invalid-row').length === 0")
    page.keyboard.press("Escape")
    page.keyboard.press("e")  # end the run: asks first
    page.wait_for_selector("#confirm-dialog[open]")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.getElementById('run-status').textContent.startsWith('finished')"
    )
    run = board.host.snapshot()["tracks"][0]["run"]
    assert [lap["duration_ms"] for lap in run["laps"]] == [10000, 9000, 10000]
    assert [lap["resets"] for lap in run["laps"]] == [0, 0, 1]
    assert [lap["source"] for lap in run["laps"]] == ["gate", "manual", "manual"]
    assert all(lap["valid"] for lap in run["laps"])
    labels = page.locator(".keys td:first-child").all_text_contents()
    assert {"N", "Space", "R", "I", "X", "Z", "E", "D", "A", "Q", "V"} <= set(labels)


def test_hostile_racer_name_renders_as_text(board: Board, served: str, page: Any) -> None:
    board.queue(XSS_NAME)
    board.stage()
    board.cross(1)
    board.cross(9)
    for path in ("/", "/m", "/overlay"):
        page.goto(served + path)
        _wait_live(page)
        page.wait_for_function("document.getElementById('racer').textContent.length > 1")
        assert page.text_content("#racer") == XSS_NAME
        assert page.locator("img[src=x]").count() == 0
    page.goto(served + "/m")
    _wait_live(page)
    page.click("#leaderboard tr")
    page.wait_for_function("!document.getElementById('racer-detail').hidden")
    assert page.text_content("#detail-name") == XSS_NAME
    assert page.locator("img[src=x]").count() == 0  # and no alert (checked by the fixture)


def test_reconnecting_state_then_resync(board: Board, served: str, page: Any) -> None:
    board.queue("Dana")
    page.goto(served + "/")
    _wait_live(page)
    page.evaluate("window.__lapgate.socket.io.engine.close()")
    page.wait_for_function("document.body.classList.contains('offline')")
    _wait_live(page)  # reconnects by itself and takes a fresh snapshot
    board.stage()
    page.wait_for_function("document.getElementById('racer').textContent === 'Dana'")
    assert "offline" not in page.get_attribute("body", "class")


def test_demo_command_brings_up_a_live_board(browser: Any, tmp_path: Path) -> None:
    """`lapgate demo` as a user runs it: URLs printed, a live event within seconds."""
    import subprocess
    import sys

    lapgate = str(Path(sys.executable).parent / "lapgate")
    command = [lapgate, "demo", "--port", "0", "--data", str(tmp_path)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        text = ""
        while "Staff password" not in text and process.poll() is None:
            text += process.stdout.readline()
        base = re.search(r"Big screen: (http://\S+)/", text)
        password = re.search(r"Staff password: (\S+)", text)
        assert base and password, text
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        page = context.new_page()
        page.goto(base.group(1) + "/")
        _wait_live(page)
        # The demo opens its qualifying at once: a run every ~5 s, each racer on the board.
        page.wait_for_function(
            "document.querySelectorAll('#leaderboard li').length >= 2", timeout=30_000
        )
        page.wait_for_function("document.getElementById('racer').textContent !== '—'")
        _screenshots(context, base.group(1), password.group(1))
        context.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _screenshots(context: Any, base: str, password: str) -> None:
    """With LAPGATE_SCREENSHOTS=DIR, save the docs' screenshots of the running demo."""
    folder = os.environ.get("LAPGATE_SCREENSHOTS")
    if not folder:
        return
    page = context.new_page()
    page.goto(base + "/")
    _wait_live(page)  # wait for a few live laps on the current run
    page.wait_for_function("document.querySelectorAll('#laps li').length >= 3", timeout=90_000)
    for name, path in (("screen", "/"), ("overlay", "/overlay")):
        page.goto(base + path)
        _wait_live(page)
        page.wait_for_timeout(1500)
        page.screenshot(path=f"{folder}/{name}.png")
    page.goto(base + "/control")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    _wait_live(page)
    page.wait_for_timeout(1500)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=f"{folder}/control.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/m")
    _wait_live(page)
    page.wait_for_timeout(1000)
    page.screenshot(path=f"{folder}/phone.png", full_page=True)
    page.set_viewport_size({"width": 3840, "height": 2160})
    page.goto(base + "/")
    _wait_live(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=f"{folder}/screen-4k.png")


def test_countdown_turns_amber_then_red(board: Board, served: str, page: Any) -> None:
    board.queue("Erin")
    board.stage()
    page.goto(served + "/")
    _wait_live(page)
    assert page.text_content("#run-clock") == "1:00"  # staged: the whole run time
    assert page.get_attribute("#run-clock", "class") == "run-clock digits"
    board.cross(1)  # the run starts: 60 s, so amber (≤ 60 s) from the first tenth on
    board.clock.advance(15)
    board.queue("Finn")  # any update carries the gate clock's now: 45 s left
    page.wait_for_function("document.getElementById('run-clock').classList.contains('amber')")
    board.clock.advance(20)
    board.queue("Gus")  # 25 s left
    page.wait_for_function("document.getElementById('run-clock').classList.contains('red')")
    assert page.text_content("#run-clock").startswith("0:2")


def test_spoken_lap_times_follow_the_control_switch(board: Board, served: str, page: Any) -> None:
    page.add_init_script(
        "window.__spoken = [];"
        "window.SpeechSynthesisUtterance = function (text) { this.text = text; };"
        "Object.defineProperty(window, 'speechSynthesis',"
        " {value: {speak: (u) => window.__spoken.push(u.text)}});"
    )
    board.queue("Hana")
    board.stage()
    page.goto(served + "/")
    _wait_live(page)
    board.cross(1)
    board.cross(9.5)  # speech is off by default
    page.wait_for_function("document.querySelectorAll('#laps li').length === 1")
    board.host.call(lambda race: race.set_speak(True))
    board.cross(9.25)
    page.wait_for_function("window.__spoken.length === 1")
    assert page.evaluate("window.__spoken") == ["Lap 2, 9.25"]


def test_leaderboard_pages_through_racers_beyond_the_top_rows(
    board: Board, served: str, page: Any
) -> None:
    rows = board.settings.board.leaderboard_rows  # 10
    for index in range(rows + 2):
        board.queue(f"Racer {index:02d}")
        board.stage()
        board.cross(1)
        board.cross(9 + index / 10)
        board.clock.advance(80)
        board.host.sync()  # time up
    page.goto(served + "/")
    _wait_live(page)
    window = page.locator("#leaderboard-window").bounding_box()
    first = page.locator("#leaderboard li").first.bounding_box()
    last = page.locator("#leaderboard li").last.bounding_box()
    assert (
        window["y"] <= first["y"]
        and first["y"] + first["height"] <= window["y"] + window["height"] + 1
    )
    assert last["y"] >= window["y"] + window["height"] - 1  # rows 11-12 are below the fold
    page.evaluate("window.__screen.nextPage()")  # what the 8 s timer does
    page.wait_for_function(_ROW_IN_WINDOW, arg="last")  # after the 0.8 s slide
    page.evaluate("window.__screen.nextPage()")  # and back to the top
    page.wait_for_function(_ROW_IN_WINDOW, arg="first")


_ROW_IN_WINDOW = """(which) => {
  const box = document.getElementById('leaderboard-window').getBoundingClientRect();
  const rows = document.querySelectorAll('#leaderboard li');
  const row = (which === 'last' ? rows[rows.length - 1] : rows[0]).getBoundingClientRect();
  return row.top >= box.top - 1 && row.bottom <= box.bottom + 1;
}"""


def test_phone_search_and_racer_detail(board: Board, served: str, page: Any) -> None:
    for alias, lap_s in (("Ivy", 9.4), ("Jon", 9.1)):
        board.queue(alias)
        board.stage()
        board.cross(1)
        board.cross(lap_s)
        board.clock.advance(80)
        board.host.sync()  # time up
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(served + "/m")
    _wait_live(page)
    assert page.locator("#leaderboard td.name").all_text_contents() == ["Jon", "Ivy"]
    page.fill("#search", "iv")
    page.wait_for_function("document.querySelectorAll('#leaderboard tr').length === 1")
    page.click("#leaderboard tr")
    page.wait_for_function("!document.getElementById('racer-detail').hidden")
    assert page.text_content("#detail-name") == "Ivy"
    assert "1: 9.400" in page.inner_text("#detail-runs")
