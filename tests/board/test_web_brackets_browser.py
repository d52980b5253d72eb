"""The bracket view in a real browser (Debian chromium via Playwright).

With LAPGATE_SCREENSHOTS=DIR the tests also save the docs' screenshots there
(brackets.png, brackets-phone.png)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from brackets_support import XSS_NAME, Staff, open_bracket, play_staged, qualify
from web_support import STAFF_PASSWORD, Board

pytestmark = pytest.mark.browser
FIELD = ["Sophie V", "Kenji", "Maria P.", XSS_NAME, "Tomasz", "Ade O.", "Lina", "Raj K"]


def _page(browser: Any, errors: list[str], **context_args: Any) -> Any:
    context = browser.new_context(**context_args)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
    return page


def _shot(page: Any, name: str, **args: Any) -> None:
    folder = os.environ.get("LAPGATE_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, name), **args)


def test_bracket_view_live(board: Board, served: str, browser: Any) -> None:
    qualify(board, FIELD)
    staff = Staff(board.app.test_client())
    bracket_id = open_bracket(staff, kind="double", stop_at=3, name="Final 8")
    for top_s, bottom_s in ([9.8, 10.9], [10.1, 9.7]):  # W1-1 top wins, W1-2 bottom wins
        staff.post(f"/api/brackets/{bracket_id}/stage")
        play_staged(board, [top_s], [bottom_s])
        assert staff.post(f"/api/brackets/{bracket_id}/decide").status_code == 200
    staff.post(f"/api/brackets/{bracket_id}/stage")  # W1-3 (seed 2 v seed 7) on the queue
    errors: list[str] = []
    page = _page(browser, errors, viewport={"width": 1920, "height": 1080})
    page.goto(f"{served}/brackets")
    page.wait_for_selector(".bk-match.current")
    winners = page.locator(".bk-bracket.side-winners")
    losers = page.locator(".bk-bracket.side-losers")
    assert winners.locator(".bk-bracket-title").inner_text().lower() == "undefeated bracket"
    assert losers.locator(".bk-bracket-title").inner_text().lower() == "last chance bracket"
    assert winners.locator(".bk-match").count() == 7 + 1  # W1–W3 and the grand final
    assert losers.locator(".bk-match").count() == 6
    current = page.locator(".bk-match.current")
    assert current.count() == 1 and current.get_attribute("data-match") == "W1-3"
    assert current.locator(".bk-racer").all_inner_texts() == ["Kenji", "Lina"]
    # the racer named like markup is shown as text, and no element was injected
    xss_slot = page.locator('.bk-match[data-match="W1-2"] .bk-slot.lose .bk-racer')
    assert xss_slot.inner_text() == XSS_NAME
    assert page.locator("#brackets img").count() == 0
    assert page.locator('.bk-match[data-match="L1-1"] .bk-racer').all_inner_texts() == [
        "Raj K",
        XSS_NAME,
    ]
    w13 = page.locator('.bk-match[data-match="W1-3"]')
    assert w13.locator(".bk-slot.win").count() == 0
    _shot(page, "brackets-before.png")

    play_staged(board, [10.4], [9.9])  # Lina (seed 7) beats Kenji (seed 2)
    assert staff.post(f"/api/brackets/{bracket_id}/decide").status_code == 200
    page.wait_for_selector('.bk-match[data-match="W1-3"] .bk-slot.win')
    assert w13.locator(".bk-slot.win .bk-racer").inner_text() == "Lina"
    assert w13.locator(".bk-note").inner_text() == "10.400 v 9.900"
    assert page.locator(".bk-match.current").get_attribute("data-match") == "W1-4"
    assert page.locator('.bk-match[data-match="L1-2"] .bk-racer').first.inner_text() == "Kenji"
    staff.post(f"/api/brackets/{bracket_id}/stage")
    page.wait_for_selector("#bk-current .bk-current-id:has-text('on the queue')")
    _shot(page, "brackets.png")

    phone = _page(browser, errors, viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone.goto(f"{served}/m/brackets")
    phone.wait_for_selector(".bk-match.current")
    titles = [t.lower() for t in phone.locator(".bk-bracket-title").all_inner_texts()]
    assert titles[:2] == ["undefeated bracket", "last chance bracket"]
    assert phone.locator(".bk-match.current").get_attribute("data-match") == "W1-4"
    assert phone.locator("#brackets img").count() == 0
    _shot(phone, "brackets-phone.png", full_page=True)
    assert errors == []


def test_control_panel_opens_stages_and_decides(board: Board, served: str, browser: Any) -> None:
    qualify(board, ["Ann", "Ben", "Cat", XSS_NAME])
    errors: list[str] = []
    page = _page(browser, errors, viewport={"width": 1600, "height": 1200})
    page.goto(f"{served}/control")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#brackets-panel")
    page.click("#brackets-panel summary")
    page.fill("#bkc-open-form input[name=size]", "4")
    page.select_option("#bkc-open-form select[name=kind]", "single")
    page.click("#bkc-open-form button[type=submit]")
    page.wait_for_selector("#brackets-panel .bkc-list li")
    assert page.locator("#brackets-panel .bkc-list li").first.locator(
        ".bkc-names"
    ).inner_text() == (f"Ann v {XSS_NAME}")
    page.locator("#brackets-panel .bkc-list li").first.locator("button").click()
    page.wait_for_selector("#brackets-panel .bkc-staged")
    queue = board.host.call(
        lambda race: [race.racers[e.racer_id].alias for e in race.queues[race.track(None).round_id]]
    )
    assert queue == ["Ann", XSS_NAME, "Ann", XSS_NAME]
    page.wait_for_function("document.querySelectorAll('#queue li').length === 4")
    play_staged(board, [9.0], [9.5])
    page.click("#brackets-panel .bkc-staged button.primary")
    assert page.text_content("#cd-text") == "Decide W1-1 from its runs?"
    page.keyboard.press("Enter")  # the dialog that asked: its confirm button has the focus
    page.wait_for_selector("#brackets-panel .bkc-note.ok")
    page.wait_for_function(
        "[...document.querySelectorAll('#brackets-panel .bkc-names')]"
        ".some((n) => n.textContent.startsWith('Ann beat'))"
    )
    assert page.locator("#brackets-panel img, #queue img").count() == 0
    _shot(page, "brackets-control.png", full_page=True)
    assert errors == []
