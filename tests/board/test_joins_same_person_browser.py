"""A phone joins under a known racer's name on an open track, in a real Chromium: the phone
waits, /control's "Phone joins" shows the racer of that name with their runs, and staff
say "a different person" or, of two racers with that name, which one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_support import STAFF_PASSWORD, Board, make_settings, started_board

from lapgate.board.service import BoardServer

pytestmark = pytest.mark.browser


@pytest.fixture
def served() -> Iterator[tuple[Board, str]]:
    board = started_board(make_settings(runs_per_racer=0))
    server = BoardServer(board.app, "127.0.0.1", 0)
    server.start()
    yield board, f"http://127.0.0.1:{server.port}"
    server.stop()
    board.host.stop()


def _raced(board: Board, alias: str) -> str:
    board.queue(alias)
    run_id = board.stage()
    board.cross(1)
    board.cross(9.5)
    board.host.execute("end", {})
    racer_id: str = board.host.call(lambda race: race.runs[run_id].info.racer_id)
    return racer_id


def _queued(board: Board) -> list[str]:
    board.host.sync()
    return [e["racer_id"] for e in board.host.snapshot()["tracks"][0]["queue"]]


def _phone_joins(browser: Any, served: str, alias: str) -> Any:
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(f"{served}/join?track=track-1")
    phone.fill("#jn-alias", alias)
    phone.click("#jn-submit")
    phone.locator("#jn-state", has_text="Waiting for the staff").wait_for()
    return phone


def test_staff_decide_who_a_phone_with_a_known_name_is(
    served: tuple[Board, str], browser: Any
) -> None:
    board, base = served
    ada = _raced(board, "Ada")
    board.host.execute("join_mode", {"mode": "open"})
    phone = _phone_joins(browser, base, "ada")
    control = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        assert _queued(board) == []  # not queued, and not as Ada, before staff answer
        control.goto(f"{base}/control")
        control.fill("input[name=password]", STAFF_PASSWORD)
        control.click("button[type=submit]")
        pending = control.locator("#join-pending li", has_text="Same person?")
        pending.wait_for()
        assert "Ada: 1 run" in pending.text_content()
        assert pending.locator("button.join-accept").count() == 0
        pending.locator("button.join-new-racer").click()  # another person called Ada
        phone.locator("#jn-state", has_text="In the queue").wait_for()
        (walk_up,) = _queued(board)
        assert walk_up != ada
        board.stage()  # the walk-up races once: two racers called Ada, one queue empty
        board.cross(1)
        board.host.execute("end", {})

        again = _phone_joins(browser, base, "ADA")
        try:
            two = control.locator("#join-pending li", has_text="is the name of 2 racers")
            two.wait_for()
            assert two.locator("button.join-same-racer").count() == 2
            two.locator(f"button.join-same-racer[data-racer='{ada}']").click()
            again.locator("#jn-state", has_text="In the queue").wait_for()
            assert _queued(board) == [ada]
        finally:
            again.close()
    finally:
        phone.close()
        control.close()
