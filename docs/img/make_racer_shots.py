"""Walk through /control as event staff on a real `lapgate run`, and take issue 13's shots.

A `lapgate run` subprocess (tests/board/daemon_support.py) with a simulated gate, on a new
SQLite store: the big screen before the first run (screen-empty.png); two racers queued
and raced from /control; the same name typed again ("same person?",
control-same-person.png); a second name of one racer merged into the first from the
racers panel (control-racer-merge.png); the export then lists one racer. Every step is
clicked and typed in Chromium as staff would; each step's outcome is checked.

Usage: ``.venv/bin/python docs/img/make_racer_shots.py [--out docs/img]``
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "board"))

from daemon_support import PASSWORD, free_port, lapgate_run, venue_sections  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CONFIG = (
    '[event]\nname = "Stockholm Summit"\nseason = "2026"\nvenue = "Hall B"\n'
    "[round]\ntime_limit_s = 120\n"
    '[[gate]]\nid = "finish"\nkind = "simulated"\nseed = 7\nspeed_factor = 4\n'
    "mean_lap_s = 9.5\nsigma_lap_s = 0.4\n"
    '[[track]]\nid = "track-1"\nname = "Summit Speedway"\ngate = "finish"\n'
)


def log_in(page: Any, base: str) -> None:
    page.goto(base + "/control")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_function("document.getElementById('conn').textContent === 'live'")


def add(page: Any, alias: str) -> None:
    page.click("#add-alias")
    page.keyboard.type(alias)
    page.keyboard.press("Enter")


def race_one(page: Any, laps: int) -> None:
    """Stage the queue's head (N), let the simulated gate time `laps` laps, end (E, Enter)."""
    page.click("body", position={"x": 5, "y": 300})  # out of any field: keys are actions
    page.keyboard.press("n")
    page.wait_for_function(
        f"document.querySelectorAll('#laps tr').length >= {laps}", timeout=90_000
    )
    page.keyboard.press("e")
    page.wait_for_selector("#confirm-dialog[open]")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('run-status').textContent.startsWith('fin')")


def export_names(page: Any, base: str) -> list[str]:
    text = page.request.get(base + "/api/export/final-csv").text()
    return sorted(row["Alias"] for row in csv.DictReader(io.StringIO(text)))


def walk(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lapgate-walk-") as tmp:
        port = free_port()
        config = CONFIG + venue_sections(Path(tmp), port)
        with lapgate_run(Path(tmp), config, port) as base, sync_playwright() as play:
            steps(play, base, out)


def steps(play: Any, base: str, out: Path) -> None:
    """What staff do, step by step, on the board at `base`."""
    browser = play.chromium.launch(executable_path=CHROMIUM)
    browser_context = browser.new_context()
    browser_context.set_default_timeout(90_000)
    screen = browser_context.new_page()
    screen.set_viewport_size({"width": 1920, "height": 1080})
    page = browser_context.new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, base)
    add(page, "Ada Lovelap")
    add(page, "Ken Kerb")
    page.wait_for_function("document.querySelectorAll('#queue li').length === 2")
    screen.goto(base + "/")
    screen.wait_for_selector("#screen.waiting")
    screen.wait_for_function("document.getElementById('waiting-next').textContent.includes('Ken')")
    screen.screenshot(path=str(out / "screen-empty.png"))

    race_one(page, 2)  # Ada
    race_one(page, 2)  # Ken
    add(page, "ada lovelap")  # Ada queues again, typed in lower case
    page.wait_for_selector("#same-dialog[open]")
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / "control-same-person.png"))
    page.keyboard.press("Enter")  # same person
    page.wait_for_function("document.querySelectorAll('#queue li').length === 1")
    add(page, "Ken K.")  # Ken again, under a shorter name: a new racer
    page.wait_for_function("document.querySelectorAll('#queue li').length === 2")
    race_one(page, 2)  # Ada's second run
    race_one(page, 2)  # "Ken K."
    assert export_names(page, base) == ["Ada Lovelap", "Ken K.", "Ken Kerb"]

    page.click("#board-rows li[data-racer] >> text=Ken Kerb")
    page.wait_for_selector("#merge-from")
    page.select_option("#merge-from", label="Ken K. (1 run)")
    page.locator("#racer-runs").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / "control-racer-merge.png"))
    page.click("#merge-racer")
    page.wait_for_selector("#confirm-dialog[open]")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#board-rows li').length === 2")
    assert export_names(page, base) == ["Ada Lovelap", "Ken Kerb"]
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / "control-after-merge.png"))
    browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    walk(parser.parse_args().out)


if __name__ == "__main__":
    main()
