"""Charts and race sounds in a real browser: the phone racer page at 390×844, /control,
and the big screen following the sound switches staff set on /control.

With LAPGATE_SCREENSHOTS=DIR the tests also save the docs' chart-*.png there."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from standings_support import LeagueBoard, league
from web_support import STAFF_PASSWORD, Board, make_settings, started_board

from lapgate.board.service import BoardServer

__all__ = ["league"]
pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}

# (alias, lap times s, {lap: resets}) — 3 resets make a lap invalid (2 allowed)
FIELD = [
    ("Ada", [8.42, 8.13, 7.95, 8.06, 8.31, 8.02], {}),
    ("Grace", [8.91, 8.77, 9.40, 8.65, 8.70], {3: 1}),
    ("Linus", [7.88, 8.25, 14.6, 8.05, 7.99, 8.11], {3: 3}),
]
LAST = ("Margaret", [8.60, 8.21, 12.9, 7.92, 8.04], {3: 3, 5: 1})  # still on track


@pytest.fixture
def field() -> Iterator[tuple[Board, str]]:
    """A round raced by four racers, the last one still on track; the board served."""
    board = started_board(make_settings(max_resets_per_lap=2, time_limit_s=60))
    for alias, laps, resets in [*FIELD, LAST]:
        board.queue(alias)
        run_id = board.stage()
        board.cross(1.0)
        for lap_s in laps:
            board.cross(lap_s)
        for lap, count in resets.items():
            for _ in range(count):
                board.host.execute("reset", {"run_id": run_id, "delta": 1, "lap": lap})
        if alias != LAST[0]:
            board.clock.advance(61)
            board.host.sync()  # time up
    server = BoardServer(board.app, "127.0.0.1", 0)
    server.start()
    yield board, f"http://127.0.0.1:{server.port}"
    server.stop()
    board.host.stop()


def _new_page(browser: Any, viewport: dict[str, int]) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def _loaded(page: Any, selector: str) -> None:
    """Wait until the <img> at `selector` holds a decoded image."""
    page.wait_for_function(
        "(s) => { const i = document.querySelector(s);"
        " return i && !i.hidden && i.complete && i.naturalWidth > 0; }",
        arg=selector,
    )


def _shot(target: Any, name: str) -> None:
    folder = os.environ.get("LAPGATE_SCREENSHOTS")
    if folder:
        target.screenshot(path=os.path.join(folder, name))


def test_phone_shows_a_racers_laps_and_the_rounds_lap_times(
    field: tuple[Board, str], browser: Any
) -> None:
    _, base = field
    context, page, errors = _new_page(browser, PHONE)
    try:
        page.goto(base + "/m")
        _loaded(page, "#round-chart")
        box = page.locator("#round-chart").bounding_box()
        assert box["width"] <= PHONE["width"] and box["width"] > 300  # fits, no sideways scroll
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.locator("#leaderboard tr", has_text="Linus").click()
        page.wait_for_selector("#racer-detail:not([hidden]) .run-chart")
        _loaded(page, "#detail-runs .run-chart")
        assert (
            page.get_attribute("#detail-runs .run-chart", "alt") == "Lap times of run 3"
        )  # the round's run number
        page.locator("#racer-detail").scroll_into_view_if_needed()
        _shot(page.locator("#racer-detail"), "chart-phone-racer.png")
        _shot(page.locator("#round-chart-box"), "chart-phone-round.png")
        assert errors == []
    finally:
        context.close()


def test_control_shows_the_run_on_track_and_a_rounds_lap_times(
    field: tuple[Board, str], browser: Any
) -> None:
    board, base = field
    context, page, errors = _new_page(browser, {"width": 1280, "height": 1000})
    try:
        page.goto(base + "/control")
        page.fill("input[name=password]", STAFF_PASSWORD)
        page.click("button[type=submit]")
        _loaded(page, "#run-chart")
        first = page.get_attribute("#run-chart", "src")
        assert "size=tablet" in first
        board.cross(8.3)  # a new lap: the chart is fetched again
        page.wait_for_function(
            "(s) => document.getElementById('run-chart').getAttribute('src') !== s", arg=first
        )
        _loaded(page, "#run-chart")
        assert page.get_attribute("#run-chart", "alt") == "Lap times of Margaret, run 4"
        assert page.text_content("#run-status").startswith("running · 6 laps")
        _shot(page.locator(".run-panel"), "chart-control.png")
        page.locator(".pg-round .pg-chart-toggle").first.click()
        _loaded(page, ".pg-round .pg-chart")
        _shot(page.locator(".pg-round", has=page.locator(".pg-chart")), "chart-control-round.png")
        assert errors == []
    finally:
        context.close()


def test_big_screen_sounds_follow_the_switches_on_control(
    board: Board, served: str, page: Any
) -> None:
    screen = page
    board.queue("Hana")
    board.stage()
    screen.goto(served + "/")
    screen.wait_for_function("window.lapgateSounds && window.__lapgate && window.__lapgate.state")
    assert screen.evaluate("window.lapgateSounds.enabled.start") is True
    control = page.context.new_page()
    control.goto(served + "/control")
    control.fill("input[name=password]", STAFF_PASSWORD)
    control.click("button[type=submit]")
    control.wait_for_function("document.getElementById('conn').textContent === 'live'")
    assert control.is_checked("#sound-start")
    control.uncheck("#sound-start")
    screen.wait_for_function("window.lapgateSounds.enabled.start === false")
    assert screen.evaluate("window.lapgateSounds.enabled.time_up") is True
    assert board.host.snapshot()["settings"]["sounds"]["start"] is False
    board.cross(1)  # the run starts: the start cue is due, and muted
    screen.wait_for_function("window.lapgateSounds.played.length > 0")
    assert screen.evaluate("window.lapgateSounds.played.map(p => [p.name, p.muted])") == [
        ["start", True]
    ]
    control.check("#sound-start")
    screen.wait_for_function("window.lapgateSounds.enabled.start === true")
    control.reload()  # a fresh control page shows the board's switches
    control.wait_for_function("document.getElementById('conn').textContent === 'live'")
    assert control.is_checked("#sound-start") and control.is_checked("#sound-new_leader")
    control.close()


# when each cue is due: LapgateSounds.due(memo, run, now_ms) with made-up runs
DUE_SCRIPT = """
() => {
  const S = window.LapgateSounds;
  const run = (o) => Object.assign({run_id: "r1", status: "running", laps: [],
    time_limit_ms: 120000, deadline_at_ms: 120000, expiry: "finish_lap", finish_laps: null}, o);
  function steps(list) {  // [[run, now], ...] → the sounds due at each step
    let memo = null;
    return list.map(([r, now]) => {
      const out = S.due(memo, r, now);
      memo = out.memo;
      return out.sounds;
    });
  }
  const laps = (n) => Array.from({length: n}, (_, i) => ({number: i + 1}));
  const cut = (o) => run(Object.assign({expiry: "cut"}, o || {}));
  const short = (o) => run(Object.assign({time_limit_ms: 20000, deadline_at_ms: 20000}, o || {}));
  const count = (n, o) => run(Object.assign({finish_laps: 3, laps: laps(n)}, o || {}));
  return {
    timed_finish_lap: steps([[run({status: "staged"}), 0], [run(), 1], [run(), 89999],
      [run(), 90001], [run(), 90500], [run(), 120001], [run(), 125000],
      [run({status: "finished"}), 126000]]),
    timed_cut: steps([[cut(), 89000], [cut(), 120000], [cut({status: "finished"}), 120100]]),
    joined_late: steps([[run(), 100000], [run(), 100100], [run(), 121000],
      [run({status: "finished"}), 122000]]),
    joined_over: steps([[run({status: "finished"}), 130000], [run({status: "finished"}), 131000]]),
    dnf: steps([[run(), 50000], [run({status: "dnf"}), 51000]]),
    short_run: steps([[short({status: "staged", deadline_at_ms: null}), 0], [short(), 1],
      [short(), 15000]]),
    lap_count: steps([[count(1), 0], [count(2), 9000], [count(2), 9100],
      [count(3, {status: "finished"}), 18000]]),
    next_run: steps([[run(), 119000], [run({run_id: "r2", status: "staged"}), 119500],
      [run({run_id: "r2"}), 119600]]),
  };
}
"""


def test_when_each_race_sound_is_due(served: str, page: Any) -> None:
    page.goto(served + "/")
    page.wait_for_function("window.LapgateSounds")
    due = page.evaluate(DUE_SCRIPT)
    assert due["timed_finish_lap"] == [
        [],
        ["start"],
        [],
        ["thirty_left"],
        [],
        ["final_lap"],
        [],
        ["time_up"],
    ]
    assert due["timed_cut"] == [[], ["time_up"], []]  # the run ending then plays nothing more
    # a screen that joins with 20 s left misses "30 s left", not what comes after
    assert due["joined_late"] == [[], [], ["final_lap"], ["time_up"]]
    assert due["joined_over"] == [[], []]
    assert due["dnf"] == [[], []]
    assert due["short_run"] == [[], ["start"], []]  # a 20 s run has no "30 s left"
    assert due["lap_count"] == [[], ["final_lap"], [], ["time_up"]]
    assert due["next_run"] == [[], [], ["start"]]


def test_big_screen_shows_a_finished_run_as_a_chart(field: tuple[Board, str], browser: Any) -> None:
    board, base = field
    context, page, errors = _new_page(browser, {"width": 1920, "height": 1080})
    try:
        page.goto(base + "/")
        page.wait_for_function("window.__lapgate && window.__lapgate.state")
        assert page.locator("#run-chart").is_hidden()  # a run on track: the list of laps
        assert page.locator("#laps li").count() == 5
        board.clock.advance(61)
        board.host.sync()  # time up: Margaret's run is over
        _loaded(page, "#run-chart")
        assert "size=screen&theme=dark" in page.get_attribute("#run-chart", "src")
        assert page.locator("#laps").is_hidden()
        box = page.locator("#run-chart").bounding_box()
        assert box["width"] > 900  # most of the run column
        _shot(page, "chart-screen.png")
        board.queue("Niklaus")
        board.stage()
        page.wait_for_function("document.getElementById('racer').textContent === 'Niklaus'")
        assert page.locator("#run-chart").is_hidden()
        assert errors == []
    finally:
        context.close()


def test_standings_show_a_racers_season_on_a_phone(league: LeagueBoard, browser: Any) -> None:
    server = BoardServer(league.app, "127.0.0.1", 0)
    server.start()
    context, page, errors = _new_page(browser, PHONE)
    try:
        page.goto(f"http://127.0.0.1:{server.port}/standings?season=2021")
        page.wait_for_function("document.querySelectorAll('#st-season option').length > 1")
        page.select_option("#st-season", "2021")
        page.wait_for_function("document.querySelectorAll('#st-rows tr').length === 4")
        page.locator("#st-rows tr", has_text="Ben").click()
        _loaded(page, "#st-history-chart")
        src = page.get_attribute("#st-history-chart", "src")
        assert "size=phone" in src and "season=2021" in src and "scheme=aws" in src
        assert page.locator("#st-history-chart").bounding_box()["width"] <= PHONE["width"]
        page.check("input[value=community]")  # the chart follows the scheme
        page.wait_for_function(
            "document.getElementById('st-history-chart').getAttribute('src').includes('community')"
        )
        _loaded(page, "#st-history-chart")
        page.check("input[value=aws]")
        page.wait_for_function(
            "document.getElementById('st-history-chart').getAttribute('src').includes('aws')"
        )
        _loaded(page, "#st-history-chart")
        _shot(page.locator("#st-history"), "chart-standings.png")
        assert errors == []
    finally:
        context.close()
        server.stop()
