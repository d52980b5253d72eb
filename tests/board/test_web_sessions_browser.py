"""In a real browser: "Log out everywhere" on one tablet sends every other staff tablet back
to the login form (its control socket is closed, the page reloads)."""

from __future__ import annotations

from typing import Any

import pytest
from web_support import STAFF_PASSWORD, Board

pytestmark = pytest.mark.browser


def _log_in(page: Any, base: str) -> None:
    page.goto(base + "/control")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_function("document.getElementById('conn').textContent === 'live'")


def test_log_out_everywhere_sends_other_tablets_to_the_login_form(
    board: Board, served: str, page: Any, browser: Any
) -> None:
    other_context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        other = other_context.new_page()
        _log_in(page, served)
        _log_in(other, served)
        page.click("#logout-everywhere")
        page.wait_for_selector("input[name=password]")
        other.wait_for_selector("input[name=password]", timeout=15000)  # without a click
        assert other.locator("#control").count() == 0
    finally:
        other_context.close()
