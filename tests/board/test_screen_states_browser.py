"""The big screen's small states (issue 13), in a real Chromium: an intentional waiting
screen before the first run, no gate light left green while the page reconnects, and no
404 logged on a page load before any bracket exists."""

from __future__ import annotations

from typing import Any

import pytest
from web_support import Board

pytestmark = pytest.mark.browser


def test_before_the_first_run_the_screen_waits_with_the_event_name(
    board: Board, served: str, page: Any
) -> None:
    statuses: list[tuple[int, str]] = []
    page.on("response", lambda r: statuses.append((r.status, r.url)))
    board.queue("Ada", "Bob")
    page.goto(served + "/")
    page.wait_for_selector("#screen.waiting")
    assert page.text_content("#waiting-event") == "Test Summit"
    assert page.text_content("#waiting-next") == "Next up: Ada  ·  Bob"
    assert not page.is_visible("#run-clock")  # no empty clocks (em dashes drawn as bars)
    empty_board = "l => getComputedStyle(l, '::before').content"
    assert page.locator("#leaderboard").evaluate(empty_board) == '"No times yet"'
    brackets = page.context.new_page()
    with brackets.expect_response(served + "/api/brackets/latest") as latest:
        brackets.goto(served + "/brackets")  # asks for the latest bracket on every load
    assert latest.value.status == 204  # none yet: no 404 in the log
    brackets.wait_for_selector("#bk-empty:not([hidden])")
    brackets.close()
    assert [s for s in statuses if s[0] >= 400] == []
    board.stage()
    page.wait_for_selector("#screen:not(.waiting)")
    assert page.text_content("#racer") == "Ada"


def test_no_gate_light_stays_green_while_the_page_reconnects(
    board: Board, served: str, page: Any
) -> None:
    board.host.call(lambda race: race.gate_notice("finish", "started", "listening", 0))
    page.goto(served + "/")
    light = page.locator("#gate-lights .gate-light.ok")
    light.wait_for()
    green = "rgb(34, 197, 94)"
    colour = "l => getComputedStyle(l).backgroundColor"
    assert light.evaluate(colour) == green
    page.route("**/socket.io/**", lambda route: route.abort())  # the venue's Wi-Fi drops
    page.evaluate("window.__lapgate.socket.io.engine.close()")
    page.wait_for_selector("body.offline")
    assert page.is_visible("#offline-banner")  # "Reconnecting…"
    assert light.evaluate(colour) != green
