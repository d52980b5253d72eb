"""The /standings page in a real browser: schemes, search, history, names as text.

With LAPGATE_SCREENSHOTS=DIR the test also saves the docs' standings.png there."""

from __future__ import annotations

import os
from typing import Any

import pytest
from brackets_support import XSS_NAME
from standings_support import SEASON, LeagueBoard, league

from lapgate.board.service import BoardServer

__all__ = ["league"]
pytestmark = pytest.mark.browser


def _aliases(page: Any) -> list[str]:
    texts: list[str] = page.locator("#st-rows .alias").all_inner_texts()
    return texts


def test_standings_page(league: LeagueBoard, browser: Any) -> None:
    server = BoardServer(league.app, "127.0.0.1", 0)
    server.start()
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
    try:
        page.goto(f"http://127.0.0.1:{server.port}/standings?x=1")
        page.wait_for_function("document.querySelectorAll('#st-season option').length > 1")
        page.select_option("#st-season", SEASON)
        page.wait_for_function("document.querySelectorAll('#st-rows tr').length === 4")
        assert _aliases(page) == ["Ben", "Ann", "Cat", XSS_NAME]
        assert page.locator("#st-rows img").count() == 0  # the markup name is text
        page.check("input[value=community]")
        page.wait_for_function("document.querySelector('#st-rows .alias').textContent === 'Ann'")
        assert _aliases(page) == ["Ann", "Ben", "Cat", XSS_NAME]
        assert page.locator("#st-rows tr").first.locator("td").last.inner_text() == "-19,250.000"
        page.locator("#st-rows tr", has_text="Ben").click()
        page.wait_for_selector("#st-history:not([hidden])")
        assert page.locator("#st-history-name").inner_text() == "Ben"
        assert page.locator("#st-history-rows tr").count() == 2
        page.fill("#st-search", "<img")
        page.wait_for_function("document.querySelectorAll('#st-rows tr').length === 1")
        assert _aliases(page) == [XSS_NAME]
        page.locator("#st-rows tr").first.click()
        page.wait_for_function(
            f"document.querySelector('#st-history-name').textContent === {XSS_NAME!r}"
        )
        assert page.locator("#standings img:not(.st-chart)").count() == 0  # the chart: an image
        page.fill("#st-search", "")
        page.wait_for_function("document.querySelectorAll('#st-rows tr').length === 4")
        folder = os.environ.get("LAPGATE_SCREENSHOTS")
        if folder:
            page.locator("#st-rows tr", has_text="Ben").click()
            page.wait_for_function(
                "document.querySelector('#st-history-name').textContent === 'Ben'"
            )
            page.screenshot(path=os.path.join(folder, "standings.png"), full_page=True)
        assert errors == []
    finally:
        context.close()
        server.stop()
