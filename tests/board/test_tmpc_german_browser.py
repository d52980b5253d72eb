from typing import Any

import pytest
from test_program_browser import PROGRAM, _page, _round  # noqa: F401
from test_program_browser import board  # noqa: F401
from web_support import STAFF_PASSWORD, Board

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["de", "ja"])
def test_tmp(board: Board, served: str, browser: Any, lang: str) -> None:
    errors: list[str] = []
    confirms: list[str] = []
    control = _page(browser, errors, confirms, viewport={"width": 1280, "height": 2200})
    control.goto(served + f"/control?lang={lang}")
    control.fill("input[name=password]", STAFF_PASSWORD)
    control.click("button[type=submit]")
    control.wait_for_selector("#program li.pg-round")
    control.wait_for_selector("#brackets-panel")
    control.wait_for_timeout(2500)
    print(control.evaluate("document.documentElement.lang"))
    for sel in ["#program", "#brackets-panel", "#join-panel", "#sync-state", ".side-panel h2"]:
        print(sel, "=>", [t.strip()[:300] for t in control.locator(sel).all_inner_texts()])
    _round(control, "Final 4").locator("button.pg-open").click()
    control.wait_for_selector("#open-dialog[open]")
    print("dialog", control.locator("#open-dialog").inner_text()[:500])
    control.screenshot(path=f"/work/tmpC/control-{lang}.png", full_page=True)
    assert errors == []
