"""League staff merge two racers on the /staff page and undo it, in a real headless
Chromium against a real `lapgate league` on the real PostgreSQL (issue 15); the combined
standings follow both."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from sync_support import STAFF_PASSWORD, LeagueProcess, wait_until
from test_sync_merge import BOARD, two_venues

from lapgate.board.store.sql import SqlStore

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(180)]


def racer_ids(league: LeagueProcess) -> set[str]:
    return {r["racer_id"] for r in league.get(BOARD)["rows"]}


def pick(page: Any, role: str, text: str, racer_id: str) -> str:
    """Search in the `role` box and pick `racer_id`; the text the page showed for it."""
    box = page.locator(f'fieldset[data-role="{role}"]')
    box.locator("input[type=search]").fill(text)
    choice = box.locator(f'button.racer-choice[data-racer-id="{racer_id}"]')
    choice.wait_for(timeout=15_000)
    shown = str(choice.text_content())
    choice.click()
    return shown


def test_staff_merge_and_undo_on_the_staff_page(
    league: LeagueProcess, site: Callable[[str], SqlStore], browser: Any
) -> None:
    two_venues(league, site)
    assert racer_ids(league) == {"ada-at-a", "ada-at-b", "grace-b"}
    context = browser.new_context(
        http_credentials={"username": "staff", "password": STAFF_PASSWORD},
        viewport={"width": 1100, "height": 900},
    )
    try:
        page = context.new_page()
        page.goto(league.url + "/staff")
        shown = pick(page, "kept", "ada", "ada-at-a")
        assert "registered by track-a" in shown and "track-a: 2 runs" in shown
        shown = pick(page, "merged", "lovelace", "ada-at-b")
        assert "registered by track-b" in shown and "track-b: 2 runs" in shown
        page.click("#merge-review")
        question = page.locator("#merge-question")
        question.wait_for(timeout=5_000)
        text = str(question.text_content())
        assert (
            text.startswith("Merge Ada Lovelace (ada-at-b)")
            and "INTO Ada Lovelace (ada-at-a)" in text
        )
        _screenshot(page, "league-staff-merge")
        assert racer_ids(league) == {"ada-at-a", "ada-at-b", "grace-b"}  # nothing yet
        page.click("#merge-yes")
        row = page.locator("#merges tbody tr").first
        row.locator("button.unmerge").wait_for(timeout=15_000)
        assert "ada-at-b" in str(row.text_content())
        assert racer_ids(league) == {"ada-at-a", "grace-b"}

        # undo, through the same confirmation: cancelled first, then confirmed
        row.locator("button.unmerge").click()
        assert "Undo merge" in str(page.locator("#merge-question").text_content())
        page.click("#merge-no")
        assert racer_ids(league) == {"ada-at-a", "grace-b"}
        page.locator("#merges tbody tr").first.locator("button.unmerge").click()
        page.click("#merge-yes")
        wait_until(lambda: racer_ids(league) == {"ada-at-a", "ada-at-b", "grace-b"}, 15, "undo")
        page.locator("#merges tbody tr", has_text="undone").wait_for(timeout=15_000)
    finally:
        context.close()


def _screenshot(page: Any, name: str) -> None:
    """With LAPGATE_SCREENSHOTS=DIR, save the docs' screenshot of the page."""
    folder = os.environ.get("LAPGATE_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)
