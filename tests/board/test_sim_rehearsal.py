"""Rehearsing without hardware: a simulated gate in the running service drives every racer
staff stage (the engine host calls the gate's `run_staged`), and the demo's director leaves
the driving to it."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from web_support import login, make_settings

from lapgate.board.demo import SKILLS, DemoDirector, Pauses
from lapgate.board.service import Service, UnavailableGate, build_gates
from lapgate.board.store import MemoryStore
from lapgate.config import settings_from_dict
from lapgate.config.settings import Settings, SimulatedGate
from lapgate.hardware.simulator import CarProfile, SimulatedGateAdapter, lap_events
from lapgate.timer.events import Crossing, GateCrossing

pytestmark = pytest.mark.timeout(60)

# 100 × real time: a 5 s lap (longer than the 3 s lockout) every 50 ms of real time,
# a 30 s run in 0.3 s plus its last lap.
GATE = {
    "id": "finish",
    "kind": "simulated",
    "seed": 3,
    "speed_factor": 100,
    "mean_lap_s": 5.0,
    "sigma_lap_s": 0.2,
    "off_track_probability": 0,
    "double_trigger_probability": 0,
    "missed_crossing_probability": 0,
}


def rehearsal_settings() -> Settings:
    base = make_settings(time_limit_s=30, grace_s=10).model_dump(mode="json")
    return settings_from_dict({**base, "gate": [GATE]})


@pytest.fixture
def service() -> Iterator[Service]:
    settings = rehearsal_settings()
    running = Service(settings, MemoryStore(), gates=build_gates(settings), port=0)
    running.start(serve=False)
    yield running
    running.stop()


def wait_until(check: Callable[[], bool], what: str, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def run_of(service: Service, run_id: str) -> Any:
    """The run's record (log and state), read on the host thread."""
    return service.host.call(lambda race: race.runs[run_id])


def gate_crossings(service: Service, run_id: str) -> list[Crossing]:
    """Every gate crossing in the run's log, accepted or not."""
    entries = run_of(service, run_id).log.entries
    return [entry.event.crossing for entry in entries if isinstance(entry.event, GateCrossing)]


def test_staff_stage_a_racer_and_the_simulated_gate_times_the_run(service: Service) -> None:
    client = service.app.test_client()
    headers = {"X-CSRF-Token": login(client)}
    for alias in ("Ada Lovelap", "Ken Kerb"):
        added = client.post("/api/control/queue_add", json={"alias": alias}, headers=headers)
        assert added.status_code == 200, added.json
    staged = client.post("/api/control/stage", json={}, headers=headers)
    assert staged.status_code == 200, staged.json
    first = staged.json["run_id"]

    # No one drives: the car crosses (rolling start), laps, and the time limit ends the run.
    wait_until(lambda: run_of(service, first).state.is_over, "the run to finish")
    run = run_of(service, first)
    assert str(run.state.status) == "finished"
    assert len(run.state.laps) >= 5
    assert {c.source for c in gate_crossings(service, first)} == {"sim:Ada Lovelap"}

    # run_ended took the car off: 0.2 s real is ~4 more laps had it stayed on.
    service.host.sync()
    entries = len(run_of(service, first).log.entries)
    time.sleep(0.2)
    service.host.sync()
    assert len(run_of(service, first).log.entries) == entries

    # The next racer gets their own car, at their own (derived) pace.
    second = client.post("/api/control/stage", json={}, headers=headers).json["run_id"]
    wait_until(lambda: len(run_of(service, second).state.laps) >= 3, "Ken's laps")
    assert {c.source for c in gate_crossings(service, second)} == {"sim:Ken Kerb"}
    snapshot = client.get("/api/snapshot").json
    shown = snapshot["tracks"][0]["run"]
    assert shown["racer"] == "Ken Kerb" and len(shown["laps"]) >= 3


def test_a_demo_run_is_driven_once_with_the_demo_skill(service: Service) -> None:
    """The director stages; the host's `run_staged` drives; nobody drives a second time."""
    sim = service.gates["finish"]
    assert isinstance(sim, SimulatedGateAdapter)
    sim.set_skills(SKILLS)  # as the demo show gives them
    service.host.call(lambda race: race.queue_add(None, race.add_racer("Ada Lovelap")))
    # One run, then a long pause (gate clock: 10,000 s at 100 × is 100 s here).
    director = DemoDirector(service.host, pauses=Pauses(10_000, 0, 0), poll_s=0.02)
    director.start()
    try:
        wait_until(lambda: _current_run(service) is not None, "the director to stage")
        run_id = _current_run(service)
        assert run_id is not None
        wait_until(lambda: run_of(service, run_id).state.is_over, "the demo run to finish")
    finally:
        director.stop()
    assert _current_run(service) == run_id  # nobody else was staged
    crossings = gate_crossings(service, run_id)
    # Exactly the first outing of Ada's car at her demo skill: a second drive() would have
    # restarted the car on another outing, and the intervals would differ.
    settings = SimulatedGate(**GATE)
    events = lap_events(
        settings.seed, "Ada Lovelap", CarProfile.from_settings(settings), SKILLS["Ada Lovelap"]
    )
    expected = list(itertools.islice((e.t_ns for e in events), len(crossings)))
    got = [c.t_ns - crossings[0].t_ns for c in crossings]
    assert got == [t - expected[0] for t in expected]


def _current_run(service: Service) -> str | None:
    return service.host.call(lambda race: race.track(None).current_run_id)


def test_a_gate_that_is_not_there_takes_run_staged_too() -> None:
    """The host calls every track's gate; an unavailable one must not stop the stage."""
    settings = make_settings()
    gate = UnavailableGate("finish", OSError("no /dev/gpiochip0"))
    gate.run_staged("Ada Lovelap")  # documented no-op
    running = Service(settings, MemoryStore(), gates={"finish": gate}, port=0)
    running.start(serve=False)
    try:
        running.host.call(lambda race: race.queue_add(None, race.add_racer("Ada Lovelap")))
        run_id = running.host.call(lambda race: race.stage(None))
        assert str(run_of(running, run_id).state.status) == "staged"
    finally:
        running.stop()
