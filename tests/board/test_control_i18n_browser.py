"""The control tablet in German, in a real Chromium: what control.js writes, with the keys."""

from __future__ import annotations

from typing import Any

import pytest
from web_support import STAFF_PASSWORD, Board

pytestmark = pytest.mark.browser


def test_control_in_german_writes_its_questions_and_times_in_german(
    board: Board, served: str, page: Any
) -> None:
    board.queue("Alice")
    board.stage()
    board.cross(1)
    board.cross(9.5)  # Alice is running; lap 1 took 9.5 s
    page.goto(served + "/control?lang=de")
    assert page.text_content("main.login button[type=submit]") == "Anmelden"
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("main.login button[type=submit]")
    page.wait_for_function("document.getElementById('conn').textContent === 'live'")
    page.wait_for_function("document.querySelectorAll('#laps tr').length === 1")
    assert page.text_content("#run-status") == "läuft · 1 Runde"
    assert page.text_content("#laps td.digits") == "9,500"  # the German decimal comma
    assert page.text_content("#racer-label") == "Auf der Strecke"
    page.keyboard.press("i")  # no lap selected
    page.wait_for_function(
        "document.getElementById('toast').textContent === "
        "'Wählen Sie zuerst eine Runde (↑/↓ oder Klick)'"
    )
    page.keyboard.press("e")  # the key stays E in every language
    page.wait_for_selector("#confirm-dialog[open]")
    text = "Lauf von Alice jetzt beenden? Die laufende Runde wird verworfen."
    assert page.text_content("#cd-text") == text
    assert page.text_content("#cd-confirm") == "Lauf beenden"
    page.keyboard.press("Escape")
    page.wait_for_function("!document.getElementById('confirm-dialog').open")
    board.host.sync()
    assert board.host.snapshot()["tracks"][0]["run"]["status"] == "running"


def test_control_in_german_says_why_a_lap_does_not_count_in_german(
    board: Board, served: str, page: Any
) -> None:
    """The board sends the reason as a code (`invalid_codes`); the page words it."""
    board.queue("Alice")
    board.stage()
    board.cross(1)
    board.cross(9.5)
    board.host.execute("invalidate", {"lap": 1, "reason": "Schikane abgekürzt"})
    board.host.sync()
    page.goto(served + "/control?lang=de")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("main.login button[type=submit]")
    page.wait_for_function("document.querySelectorAll('#laps tr.invalid-row').length === 1")
    cells = page.eval_on_selector_all(
        "#laps tr.invalid-row td", "tds => tds.map(td => td.textContent)"
    )
    assert "von der Rennleitung gestrichen: Schikane abgekürzt" in cells
    # the gate's light says its state in German too (no adapter has reported: not started)
    assert page.get_attribute("#gate-lights span", "title") == "nicht gestartet"
