"""The board in the racers' language, through a real `lapgate run` and Chromium.

Each client chooses its own language at the same time (never server-wide): a phone whose
browser prefers German gets German from Accept-Language, a kiosk big screen gets Japanese
from `?lang=ja`, staff switch the control page with the switch on the page. Lap times use
the locale's decimal separator, the same one everywhere on a page. The screenshots are the
ones docs/board.md shows (Japanese and German: big screen, phone, control page).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from daemon_support import PASSWORD, ROOT, Staff, free_port, lapgate_run, venue_sections, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(300)]
VENUE = (
    '[event]\nname = "Tokyo Summit · 東京"\nseason = "2026"\n'
    '[round]\nformat = "fastest_lap"\ntime_limit_s = 60\n'
    '[[gate]]\nid = "finish"\nkind = "simulated"\nseed = 7\nmean_lap_s = 9.0\n'
    "sigma_lap_s = 0.6\nspeed_factor = 10\n"
    '[[track]]\nid = "track-1"\nname = "Main track"\ngate = "finish"\njoin = "open"\n'
)
IMG = ROOT / "docs" / "img"
RACERS = ("田中 愛子", "Jürgen Weiß", "Lucía Gómez", "Kenji Sato")
# A lap time as the pages write it: 9.512 / 1:02.345, or with a comma.
LAP = re.compile(r"^-?(?:\d+:)?\d+([.,])\d{3}$")


def _race(staff: Staff) -> None:
    """Three finished runs and a fourth on track, with laps."""
    for alias in RACERS:
        staff.act("queue_add", alias=alias, same_racer=True)
    for _ in RACERS[:3]:
        staff.act("stage")
        wait_for(lambda: _status(staff) == "finished", "a finished run", 60)
    staff.act("stage")
    wait_for(
        lambda: len((staff.get("/api/tracks/track-1")["run"] or {}).get("laps", [])) >= 3, "laps"
    )


def _status(staff: Staff) -> str | None:
    run = staff.get("/api/tracks/track-1")["run"]
    return run["status"] if run else None


def _lap_separators(page: Any) -> set[str]:
    texts = page.eval_on_selector_all(".digits", "nodes => nodes.map(n => n.textContent.trim())")
    return {match.group(1) for text in texts if (match := LAP.match(text))}


def _live(page: Any) -> None:
    """Wait until the page shows live data (its snapshot in, not reconnecting)."""
    page.wait_for_function(
        "window.__lapgate && window.__lapgate.state && !window.__lapgate.awaiting"
        " && !document.body.classList.contains('offline')"
    )
    page.locator("#leaderboard tr").first.wait_for()


def _login(page: Any, base: str, lang: str) -> None:
    page.goto(f"{base}/control?lang={lang}")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/control$|/control\?"))


def test_each_client_reads_the_board_in_its_own_language(tmp_path: Path, browser: Any) -> None:
    port = free_port()
    with lapgate_run(tmp_path, VENUE + venue_sections(tmp_path, port), port) as base:
        staff = Staff(base)
        _race(staff)
        german_phone = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
        japanese = browser.new_context(locale="en-US", viewport={"width": 1920, "height": 1080})
        try:
            phone = german_phone.new_page()
            phone.goto(f"{base}/m")  # no ?lang: the browser's preference
            screen = japanese.new_page()
            screen.goto(f"{base}/?lang=ja")  # a kiosk: English browser, Japanese board
            assert phone.evaluate("document.documentElement.lang") == "de"
            assert screen.evaluate("document.documentElement.lang") == "ja"
            phone.locator("#board-title", has_text="Rangliste").wait_for()
            _live(phone)
            screen.locator("nav.languages a[aria-current]", has_text="日本語").wait_for(
                state="attached"
            )
            screen.wait_for_timeout(1500)  # a few laps more on the big screen
            assert _lap_separators(phone) == {","}, "German lap times use the decimal comma"
            assert _lap_separators(screen) == {"."}
            screen.screenshot(path=str(IMG / "i18n-screen-ja.png"))
            phone.screenshot(path=str(IMG / "i18n-phone-de.png"), full_page=True)

            # The same phone switches to Japanese with the switch on the page; it stays so.
            phone.click("nav.languages a[hreflang=ja]")
            phone.locator("#board-title", has_text="順位表").wait_for()
            phone.locator("#leaderboard tr").first.wait_for()
            phone.goto(f"{base}/m")
            assert phone.evaluate("document.documentElement.lang") == "ja"
            _live(phone)
            phone.screenshot(path=str(IMG / "i18n-phone-ja.png"), full_page=True)

            # Meanwhile a German big screen and both control pages, side by side.
            screen_de = german_phone.new_page()
            screen_de.set_viewport_size({"width": 1920, "height": 1080})
            screen_de.goto(f"{base}/?lang=de")
            assert screen_de.evaluate("document.documentElement.lang") == "de"
            screen_de.wait_for_timeout(1500)
            assert _lap_separators(screen_de) == {","}
            screen_de.screenshot(path=str(IMG / "i18n-screen-de.png"))
            assert screen.evaluate("document.documentElement.lang") == "ja"  # unchanged

            for lang in ("ja", "de"):
                context = browser.new_context(viewport={"width": 1600, "height": 1000})
                control = context.new_page()
                _login(control, base, lang)
                assert control.evaluate("document.documentElement.lang") == lang
                control.locator("#queue, #laps").first.wait_for(state="attached")
                control.wait_for_timeout(1000)
                separators = _lap_separators(control)
                assert separators <= ({","} if lang == "de" else {"."}), separators
                control.screenshot(path=str(IMG / f"i18n-control-{lang}.png"))
                context.close()
        finally:
            german_phone.close()
            japanese.close()
