"""In a real Chromium: staff enter a team on /control and queue it with a proxy driving;
the big screen shows the team, who drives, "Lap 2 / 3" of a lap-count race and, when lap 3
is done, "3 / 3" and the total. Screenshots for docs/event-day.md when
LAPGATE_SCREENSHOTS names a folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from web_support import STAFF_PASSWORD, Board, make_settings, started_board

pytestmark = pytest.mark.browser


@pytest.fixture
def board() -> Iterator[Board]:
    """A board whose round is a 3-lap lap-count race (overrides the conftest's)."""
    started = started_board(make_settings(format="lap_count", race_laps=3, lockout_s=1))
    yield started
    started.host.stop()


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("LAPGATE_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, name))


def _live(page: Any) -> None:
    page.wait_for_function(
        "window.__lapgate && window.__lapgate.state"
        " && document.getElementById('conn').textContent === 'live'"
    )


def test_a_team_queued_with_a_proxy_races_a_lap_count_round(
    board: Board, served: str, page: Any
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(served + "/control")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    _live(page)
    page.click("#teams-panel summary")
    page.fill("#team-name", "Rocket Co")
    page.fill("#team-members", "Ann, Ben, Cat, Dan, Eve")
    page.fill("#team-car", "DR-7")
    page.click("#team-form button[type=submit]")
    page.wait_for_selector("#teams li[data-team='Rocket Co']")
    chips = page.locator("#teams li[data-team='Rocket Co'] .chip").all_text_contents()
    assert [chip.rstrip("✕") for chip in chips] == ["Ann", "Ben", "Cat", "Dan", "Eve"]
    page.fill("#teams li[data-team='Rocket Co'] .team-driver", "Pat")
    page.click("#teams li[data-team='Rocket Co'] .team-queue-button")
    page.wait_for_function(
        "document.querySelector('#queue li') && "
        "document.querySelector('#queue li').textContent.includes('driven by Pat (proxy)')"
    )
    queue_line = page.text_content("#queue li")
    assert queue_line is not None and "Rocket Co" in queue_line and "DR-7" in queue_line

    # a member cannot join a second team: the board's refusal is shown
    page.fill("#team-name", "Comet Co")
    page.fill("#team-members", "Eve")
    page.click("#team-form button[type=submit]")
    page.wait_for_function(
        "document.getElementById('toast').textContent.includes('Eve races for team Rocket Co')"
    )

    board.stage()
    board.cross(0)
    board.cross(10.2)
    screen = page.context.new_page()
    screen.goto(served + "/")
    _live(screen)
    screen.wait_for_function("document.getElementById('lap-number').textContent === '2 / 3'")
    assert screen.text_content("#racer") == "Rocket Co"
    assert screen.text_content("#car") == "DR-7 · driven by Pat, proxy"
    assert screen.text_content("#window-label") == "Total 3 laps"
    _shot(screen, "screen-team-lap-count.png")
    page.wait_for_function(
        "document.getElementById('run-status').textContent.includes('driven by Pat (proxy)')"
    )
    page.click("#teams-panel summary")  # closed again for the picture of the run
    page.click("#teams-panel summary")
    _shot(page, "control-teams.png")

    board.cross(9.9)
    board.cross(10.0)
    screen.wait_for_function("document.getElementById('lap-number').textContent === '3 / 3'")
    assert screen.text_content("#run-label") == "Finished"
    assert screen.text_content("#window") == "30.100"
    board.cross(8)  # coasting over the strip after the finish changes nothing
    run = board.host.snapshot()["tracks"][0]["run"]
    assert run["status"] == "finished" and len(run["laps"]) == 3
    assert run["ignored_crossings"][-1]["reason"] == "after the run finished"
    screen.close()
