"""Take the screenshots of docs/event-day.md from a real board (Debian chromium).

A board on a temporary SQLite file with a simulated gate: the demo racers and five finished
runs (as `lapgate demo` seeds them), then a run on track with every correction staff make:
a reset, a false crossing undone, a lap invalidated, a manual lap. Then a restart on a wall
clock that lost its date, for the clock warning, and a bracket opened from the control page.

Usage: ``.venv/bin/python docs/img/make_event_day_shots.py [--out docs/img]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from werkzeug.security import generate_password_hash  # noqa: E402

from board.demo import seed_history  # noqa: E402
from board.live.race import Race  # noqa: E402
from board.service import Service, build_gates  # noqa: E402
from board.store.sql import SqlStore  # noqa: E402
from board.web.actions import perform  # noqa: E402
from config import settings_from_dict  # noqa: E402
from config.settings import Settings, SimulatedGate  # noqa: E402
from timer.events import Crossing, GateCrossing  # noqa: E402
from timer.units import NS_PER_S  # noqa: E402

PASSWORD = "event day staff"
CHROMIUM = "/usr/bin/chromium"
# Seconds after the run's first crossing: laps, a false crossing (a marshal's foot on the
# strip), then "now", when the gate missed the car and staff pressed Manual lap.
LAP_ENDS_S = (9.842, 19.377)
FALSE_CROSSING_S = 24.5
LAP_3_END_S = 28.903
MANUAL_LAP_S = 38.3


def settings(data_dir: Path) -> Settings:
    return settings_from_dict(
        {
            "event": {"name": "Stockholm Summit", "kind": "summit", "venue": "Hall B"},
            "round": {"format": "fastest_lap", "time_limit_s": 120, "max_resets_per_lap": 3},
            "gate": [{"id": "finish", "kind": "simulated", "seed": 7, "mean_lap_s": 9.5}],
            "track": [{"id": "track-1", "name": "Summit Speedway", "gate": "finish"}],
            "board": {"staff_password_hash": generate_password_hash(PASSWORD)},
            "store": {"data_dir": str(data_dir)},
        }
    )


def corrections_run(race: Race) -> str:
    """On the host thread: stage the next racer and time a run with staff corrections."""
    track = race.track(None)
    run_id = race.stage(track.track_id)
    alias = race.racers[race.runs[run_id].info.racer_id].alias
    base_ns = race.now_ns(track) - int(MANUAL_LAP_S * NS_PER_S)

    def cross(after_s: float) -> int:
        crossing = Crossing("finish", base_ns + int(after_s * NS_PER_S), f"sim:{alias}")
        return race.apply(run_id, GateCrossing(crossing))

    cross(0.0)
    for end_s in LAP_ENDS_S:
        cross(end_s)
    false_id = cross(FALSE_CROSSING_S)
    cross(LAP_3_END_S)
    return f"{run_id}:{false_id}"


def stage_corrections(service: Service) -> None:
    run_and_false = service.host.call(corrections_run)
    run_id, false_id = run_and_false.split(":")
    for name, payload in (
        ("reset", {"run_id": run_id, "delta": 1, "lap": 2}),
        ("undo", {"run_id": run_id, "event_id": int(false_id)}),
        ("invalidate", {"run_id": run_id, "lap": 1}),  # as the I key sends it
        ("manual_lap", {"run_id": run_id}),
    ):
        perform(service.host, name, payload)


def log_in(page: Any, base: str) -> None:
    page.goto(base + "/control")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_function("document.querySelectorAll('#laps tr').length >= 4")
    page.wait_for_timeout(800)


def open_bracket(page: Any, path: Path) -> None:
    """Open a 4-racer bracket from the control page's Brackets panel, stage its first match."""
    panel = page.locator("#brackets-panel")
    panel.locator("summary").click()
    form = page.locator("#bkc-open-form")
    form.locator("input[name=name]").fill("Final 4")
    form.locator("input[name=size]").fill("4")
    form.locator("select[name=kind]").select_option("single")
    form.locator("input[name=attempts]").fill("1")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#brackets-panel button:has-text('Stage')")
    panel.locator("button:has-text('Stage')").first.click()
    page.wait_for_selector("#brackets-panel button:has-text('Decide from runs')")
    page.wait_for_timeout(500)
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(path))


def shoot(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lapgate-shots-") as tmp:
        config = settings(Path(tmp))
        db_url = f"sqlite:///{Path(tmp) / 'lapgate.sqlite3'}"
        store = SqlStore(db_url)
        gates = build_gates(config)
        service = Service(config, store, gates=gates, port=0)
        service.start()
        sim = next(g for g in config.gate if isinstance(g, SimulatedGate))
        service.host.call(lambda race: seed_history(race, sim, 5))
        stage_corrections(service)
        with sync_playwright() as play:
            browser = play.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            log_in(page, service.base_url)
            page.click("#laps tr:last-child")  # lap 1 selected (rows run newest first)
            page.wait_for_timeout(300)
            page.screenshot(path=str(out / "control-corrections.png"))
            service.stop()
            store.close()

            lost_date = dt.datetime(2024, 1, 1, 0, 3)
            store = SqlStore(db_url, wall_clock=lambda: lost_date)
            service = Service(
                config, store, gates=build_gates(config), port=0, wall_clock=lambda: lost_date
            )
            service.start()
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            log_in(page, service.base_url)
            page.screenshot(
                path=str(out / "control-clock-warning.png"),
                clip={"x": 0, "y": 0, "width": 1280, "height": 230},
            )
            perform(service.host, "end", {})
            open_bracket(page, out / "control-brackets.png")
            browser.close()
        service.stop()
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    shoot(parser.parse_args().out)


if __name__ == "__main__":
    main()
