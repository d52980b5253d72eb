"""What people see while the store cannot commit: a red banner with the reason, everywhere.

The big screen, the phone page and /control each show it (and the gate lights turn red)
while crossings wait for the store; it goes once they are stored. Screenshots of the big
screen and the phone land in docs/img/ (docs/board.md links them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from web_support import STAFF_PASSWORD, Board

from lapgate.board.store.api import StoreUnavailable

pytestmark = pytest.mark.browser
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
FULL_HD = {"width": 1920, "height": 1080}
REASON = "the store cannot commit (database or disk is full)"


def _wait_live(page: Any) -> None:
    page.wait_for_function(
        "window.__lapgate && window.__lapgate.state && !window.__lapgate.awaiting"
    )


def test_every_page_shows_the_store_failing_then_recovering(
    board: Board, served: str, page: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    journal = (
        Path("/run/lapgate/crossings.jsonl")
        if os.environ.get("LAPGATE_SCREENSHOTS")
        else (tmp_path / "crossings.jsonl")
    )  # the screenshots show where a Pi keeps it; a test run never leaves one behind
    board.host.call(lambda race: setattr(race.backlog, "journal", journal))
    board.queue("Alice")
    board.stage()
    board.cross(1)
    board.cross(9.5)
    store_append = board.store.append_event

    def full(*args: Any, **kwargs: Any) -> None:
        raise StoreUnavailable(REASON)

    monkeypatch.setattr(board.store, "append_event", full)
    for _ in range(3):
        board.cross(9.25)
    shown = f"Results are not being saved: {REASON}; 3 crossing(s) held in memory and in "
    pages = {"/": "screen-store-full.png", "/m": "phone-store-full.png", "/control": ""}
    for path, shot in pages.items():
        page.set_viewport_size({"width": 390, "height": 844} if path == "/m" else FULL_HD)
        page.goto(served + path)
        if path == "/control":
            page.fill("input[name=password]", STAFF_PASSWORD)
            page.click("button[type=submit]")
        _wait_live(page)
        banner = page.locator("#store-alert")
        banner.wait_for(state="visible")
        assert (banner.text_content() or "").startswith(shown)
        if path == "/":
            assert page.locator(".gate-light.error").count() == 1
        if path == "/control":
            assert page.locator(".gate.error").count() == 1
        if shot and os.environ.get("LAPGATE_SCREENSHOTS"):
            page.screenshot(path=str(DOCS_IMG / shot))

    monkeypatch.setattr(board.store, "append_event", store_append)  # space is back
    page.wait_for_function("document.getElementById('store-alert').hidden", timeout=10_000)
    board.host.sync()
    assert not journal.exists()
    run = board.host.call(lambda race: race.runs[race.tracks["track-1"].current_run_id or ""])
    assert [lap.duration_ns for lap in run.state.laps] == [9_500_000_000] + [9_250_000_000] * 3
