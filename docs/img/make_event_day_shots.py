"""Take the screenshots of docs/event-day.md from a real board (Debian chromium).

A board on a temporary SQLite file with a simulated gate: the demo racers and five finished
runs (as `lapgate demo` seeds them), then a run on track with every correction staff make:
a reset, a false crossing undone, a lap invalidated, a manual lap. Then a restart on a wall
clock that lost its date, for the clock warning, and a bracket opened from the control page.

The program shots (``--shots program``) come from a second board whose config has a
program (qualifying, a double-elimination Final 8 to three, a shootout): the Final 8's
open dialog on the control page, then the big screen during a match of the Final 8 and
during the shootout. Runs are replayed with chosen lap times (`replay_run`), so the
pictures are the same at every run.

Usage: ``.venv/bin/python docs/img/make_event_day_shots.py [--out docs/img]
[--shots all|event-day|program]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from werkzeug.security import generate_password_hash  # noqa: E402

from lapgate.board.demo import DEMO_RACERS, seed_history  # noqa: E402
from lapgate.board.live.race import Race  # noqa: E402
from lapgate.board.service import Service, build_gates  # noqa: E402
from lapgate.board.store.sql import SqlStore  # noqa: E402
from lapgate.board.web.actions import perform  # noqa: E402
from lapgate.config import settings_from_dict  # noqa: E402
from lapgate.config.settings import Settings, SimulatedGate  # noqa: E402
from lapgate.timer.events import Crossing, EndRun, GateCrossing  # noqa: E402
from lapgate.timer.units import NS_PER_S  # noqa: E402

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


def clear_queue(race: Race) -> None:
    track = race.track(None)
    for entry in list(race.track_queue(track)):
        race.queue_remove(track.track_id, entry.entry_id)


def leaderboard_shots(page: Any, out: Path) -> None:
    """The control page's leaderboard: a racer's runs listed, then a past run opened."""
    page.keyboard.press("Escape")
    page.locator("#board-rows li").nth(1).click()
    page.wait_for_selector("#racer-runs button[data-run]")
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / "control-leaderboard.png"))
    page.locator("#racer-runs button[data-run]").first.click()
    page.wait_for_selector("#correcting:not([hidden])")
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / "control-correcting.png"))
    page.click("#correcting-done")


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
            leaderboard_shots(page, out)
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
            service.host.call(clear_queue)  # a bracket opens once the round's queue is raced
            open_bracket(page, out / "control-brackets.png")
            browser.close()
        service.stop()
        store.close()


# ---- the program: control-program-open.png, screen-bracket.png, screen-shootout.png ----

PROGRAM_ROUNDS = [
    {"name": "Qualifying", "advance": "top", "advance_count": 8},
    {
        "name": "Final 8",
        "kind": "bracket",
        "entry_from": ["Qualifying"],
        "time_limit_s": 60,
        "bracket": "double",
        "stop_at": 3,
        "attempts": 2,
        "tie": "higher_seed",
        "grand_final_reset": False,
        "advance": "all",
    },
    {
        "name": "Final shootout",
        "kind": "shootout",
        "entry_from": ["Final 8"],
        "format": "single_lap",
        "time_limit_s": 60,
        "runs_per_racer": 1,
        "advance": "none",
    },
]
QUALIFIERS = [alias for alias, _ in DEMO_RACERS[:10]]
MEAN_LAP_S = 9.5


class StillGate:
    """A gate that is up and never fires: every crossing of these shots is replayed."""

    gate_id = "finish"

    def start(self, on_crossing: Any, on_notice: Any) -> None:
        """Nothing to listen to."""

    def stop(self) -> None:
        """Nothing was started."""

    def now_ns(self) -> int:
        return time.monotonic_ns()

    def run_staged(self, racer: str) -> None:
        """No simulated car: the script replays the run."""

    def run_ended(self, start_ns: int, end_ns: int) -> None:
        """Nothing to check."""


def program_settings(data_dir: Path) -> Settings:
    config = settings(data_dir).model_dump(mode="json", exclude_none=True)
    return settings_from_dict({**config, "rounds": PROGRAM_ROUNDS})


def lap_s(alias: str, attempt: int, lap: int) -> float:
    """A racer's lap: faster with skill, a little different on every lap and attempt."""
    skill = dict(DEMO_RACERS)[alias]
    wobble = ((len(alias) * 7 + attempt * 5 + lap * 3) % 11 - 5) * 0.031
    return round(MEAN_LAP_S / skill + wobble, 3)


def replay_run(race: Race, laps_s: list[float], on_track_s: float | None = None) -> str:
    """On the host thread: stage the next queued racer and replay their run up to now.

    The car crossed the line to start, then once per lap; with `on_track_s` it is still
    on track that many seconds into the next lap, else the run ended just now."""
    track = race.track(None)
    run_id = race.stage(track.track_id)
    alias = race.racers[race.runs[run_id].info.racer_id].alias
    now_ns = race.now_ns(track)
    start_ns = now_ns - int((sum(laps_s) + (on_track_s or 0.5)) * NS_PER_S)
    t_ns = start_ns
    race.apply(run_id, GateCrossing(Crossing("finish", t_ns, f"sim:{alias}")))
    for lap in laps_s:
        t_ns += int(lap * NS_PER_S)
        race.apply(run_id, GateCrossing(Crossing("finish", t_ns, f"sim:{alias}")))
    if on_track_s is None:
        race.apply(run_id, EndRun(now_ns))
    return alias


def race_next(service: Service, attempt: int, laps: int, on_track_s: float | None = None) -> None:
    """Replay a run for the next racer in the queue (their name picks their lap times)."""

    def work(race: Race) -> str:
        track = race.track(None)
        entry = race.queues[track.round_id][0]
        alias = race.racers[entry.racer_id].alias
        times = [lap_s(alias, attempt, lap) for lap in range(laps)]
        return replay_run(race, times, on_track_s)

    service.host.call(work)


def race_match(service: Service, bracket_id: str) -> None:
    """Stage the bracket's next match, replay both racers' attempts, decide it."""
    perform(service.host, "bracket_stage", {"bracket_id": bracket_id})
    for attempt in range(2):
        race_next(service, attempt, 1)
        race_next(service, attempt, 1)
    perform(service.host, "bracket_decide", {"bracket_id": bracket_id})


def run_qualifying(service: Service) -> None:
    perform(service.host, "round_open", {"round_id": "Qualifying"})
    for alias in QUALIFIERS:
        perform(service.host, "queue_add", {"alias": alias})
    for _ in QUALIFIERS:
        race_next(service, 0, 3)
    perform(service.host, "round_close", {"round_id": "Qualifying"})


def open_final_8(page: Any, base: str, path: Path) -> None:
    """On /control: the Final 8's open dialog, a racer out and the next one in, each with a
    reason (the screenshot), then open it."""
    page.goto(base + "/control")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#program li.pg-round.next")
    page.locator("#program-panel").scroll_into_view_if_needed()
    page.locator("#program li.pg-round.next button.pg-open").click()
    page.wait_for_selector("#open-dialog[open]")
    out = page.locator("#od-entrants li", has_text="Linus Throttle")
    out.locator("button.od-remove").click()
    out.locator(".od-remove-reason").fill("car broken in qualifying, no spare")
    out.locator("button.danger").click()
    page.fill("#od-add-alias", "Dennis Chicane")
    page.fill("#od-add-reason", "9th in qualifying, next in line")
    page.click("#od-add-button")
    page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    page.click("#od-confirm")
    page.wait_for_selector("#program li.pg-round.status-open")


def shoot_program(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lapgate-shots-") as tmp:
        config = program_settings(Path(tmp))
        store = SqlStore(f"sqlite:///{Path(tmp) / 'lapgate.sqlite3'}")
        service = Service(config, store, gates={"finish": StillGate()}, port=0)
        service.start()
        run_qualifying(service)
        with sync_playwright() as play:
            browser = play.chromium.launch(executable_path=CHROMIUM)
            control = browser.new_page(viewport={"width": 1280, "height": 800})
            open_final_8(control, service.base_url, out / "control-program-open.png")
            bracket_id = service.host.call(lambda race: next(iter(race.brackets)))
            for _ in range(5):
                race_match(service, bracket_id)
            perform(service.host, "bracket_stage", {"bracket_id": bracket_id})
            race_next(service, 0, 1)
            race_next(service, 0, 1)
            race_next(service, 1, 1)
            race_next(service, 1, 1, on_track_s=5.2)  # the second attempt is on track
            screen = browser.new_page(viewport={"width": 1920, "height": 1080})
            screen.goto(service.base_url + "/")
            screen.wait_for_selector("#screen[data-mode=bracket] #match-sides .on-track")
            screen.wait_for_timeout(1200)
            screen.screenshot(path=str(out / "screen-bracket.png"))

            perform(service.host, "end", {})
            perform(service.host, "bracket_decide", {"bracket_id": bracket_id})
            while not service.host.call(lambda race: race.brackets[bracket_id].state.finished):
                race_match(service, bracket_id)
            perform(service.host, "round_close", {"round_id": "Final 8"})
            perform(service.host, "round_open", {"round_id": "Final shootout"})
            race_next(service, 0, 1)
            race_next(service, 0, 1)
            race_next(service, 0, 0, on_track_s=6.4)  # the last finalist's flying lap
            screen.goto(service.base_url + "/")
            screen.wait_for_selector("#screen[data-mode=shootout] #running-order li.on-track")
            screen.wait_for_timeout(1200)
            screen.screenshot(path=str(out / "screen-shootout.png"))
            browser.close()
        service.stop()
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--shots", choices=("all", "event-day", "program"), default="all")
    args = parser.parse_args()
    if args.shots in ("all", "event-day"):
        shoot(args.out)
    if args.shots in ("all", "program"):
        shoot_program(args.out)


if __name__ == "__main__":
    main()
