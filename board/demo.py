"""The demo's "staff": queues racers, stages runs, counts resets.

`seed_history` replays a few finished runs instantly (timestamps in the recent past, from
the same seeded simulator), so the board looks like an event in progress at once; then
`DemoDriver` runs the summit live: whenever the track is free it stages the next racer.
The driver does not drive: the engine host tells the simulated gate about every staged
run (`run_staged`), and the gate puts that racer's car on track (rolling start) with the
skill of `DEMO_RACERS`, as it does under `lapgate run`. Staff may act from /control at
any time; the driver only fills the gaps (a run staged by staff gets its car too).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from board.live.host import EngineHost
from board.live.race import Race
from hardware.simulator import CarProfile, SimulatedGateAdapter, lap_events
from timer.events import AdjustResets, Crossing, GateCrossing
from timer.run import RunStatus

log = logging.getLogger(__name__)

# (alias, skill): skill > 1 laps faster than the gate's mean lap.
DEMO_RACERS: list[tuple[str, float]] = [
    ("Ada Lovelap", 1.10),
    ("Grace Hopper-Loop", 1.04),
    ("Turbo Turing", 1.07),
    ("Katherine Apex", 1.02),
    ("Linus Throttle", 0.97),
    ("Margaret Hamilton-Drift", 1.08),
    ("Dennis Chicane", 0.95),
    ("Barbara Liskov-Line", 1.03),
    ("Ken Kerb", 0.93),
    ("Radia Racing", 1.00),
    ("Edsger Dijkstrack", 0.99),
    ("Frances Allen-Speed", 1.05),
]
SKILLS = dict(DEMO_RACERS)


def seed_history(race: Race, sim_settings: Any, runs: int, track_id: str | None = None) -> None:
    """On the host thread: queue every demo racer and replay `runs` finished runs."""
    track = race.track(track_id)
    for alias, _ in DEMO_RACERS:
        race.queue_add(track.track_id, race.add_racer(alias))
    profile = CarProfile.from_settings(sim_settings)
    run_span_ns = race.rounds[track.round_id].run_config.time_limit_ns + 20_000_000_000
    now_ns = race.now_ns(track)
    for index in range(min(runs, len(DEMO_RACERS))):
        base_ns = now_ns - (runs - index) * run_span_ns
        if base_ns <= 0:
            continue
        alias, skill = DEMO_RACERS[index]
        run_id = race.stage(track.track_id)
        for event in lap_events(sim_settings.seed, alias, profile, skill, outing=1000 + index):
            t_ns = base_ns + event.t_ns
            if event.kind in ("crossing", "double_trigger"):
                crossing = Crossing(sim_settings.id, t_ns, f"sim:{alias}")
                race.apply(run_id, GateCrossing(crossing))
            elif event.kind == "off_track" and race.runs[run_id].state.status is RunStatus.RUNNING:
                race.apply(run_id, AdjustResets(t_ns, 1))
            if race.runs[run_id].state.is_over:
                break
        race.queue_add(track.track_id, race.add_racer(alias))  # back in the queue


class DemoDriver:
    """Keeps the simulated summit going: stage the next racer, pause after a run, repeat."""

    def __init__(self, host: EngineHost, sim: SimulatedGateAdapter, pause_s: float = 4.0) -> None:
        self.host = host
        self.sim = sim
        self.pause_s = pause_s
        self.track_id = next(
            t.track_id for t in host.race.tracks.values() if t.gate_id == sim.gate_id
        )
        self._active_run: str | None = None  # the run last seen staged or running
        self._idle_since = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        sim.set_skills(SKILLS)  # the gate drives each staged racer with their skill
        host.subscribe(self._on_message)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="demo-driver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sim.drive(None)

    def _on_message(self, message: dict[str, Any]) -> None:
        """On the host thread: a car off track gets its reset, as a timekeeper would."""
        if message.get("type") == "notice" and message.get("kind") == "off_track":
            self.host.submit(self._add_reset)

    def _add_reset(self, race: Race) -> None:
        track = race.track(self.track_id)
        run = race.runs.get(track.current_run_id or "")
        if run is not None and run.state.status is RunStatus.RUNNING:
            race.apply(run.info.run_id, AdjustResets(race.now_ns(track), 1))

    def _inspect(self, race: Race) -> tuple[str | None, bool, int]:
        """The current run's id, whether it is over (or absent), the queue's length."""
        track = race.track(self.track_id)
        run = race.runs.get(track.current_run_id or "")
        queued = len(race.queues.get(track.round_id, []))
        if run is None:
            return None, True, queued
        return run.info.run_id, run.state.is_over, queued

    def _loop(self) -> None:
        while not self._stop.wait(0.25):
            try:
                self._step()
            except Exception:
                log.exception("demo driver step failed")

    def _step(self) -> None:
        run_id, over, queued = self.host.call(self._inspect)
        if not over:
            self._active_run = run_id
            return
        if self._active_run is not None:  # a run just ended: pause before the next one
            self._active_run = None
            self._idle_since = time.monotonic()
        if time.monotonic() - self._idle_since < self.pause_s:
            return
        if queued == 0:
            self.host.call(self._requeue)
        # The host then calls sim.run_staged(alias): the gate puts the car on track.
        self._active_run = self.host.call(lambda race: race.stage(self.track_id))

    def _requeue(self, race: Race) -> None:
        for alias, _ in DEMO_RACERS:
            race.queue_add(self.track_id, race.add_racer(alias))
