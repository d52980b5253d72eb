"""The simulator: seeded lap events (pure) and the adapter that plays them in real time."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from statistics import mean, stdev

import pytest

from lapgate.config.settings import SerialGate, SimulatedGate
from lapgate.hardware.base import GateAdapter, GateNotice, build_gate
from lapgate.hardware.decoder import DecoderGateAdapter
from lapgate.hardware.simulator import (
    DERIVED_SKILL_RANGE,
    CarProfile,
    SimulatedGateAdapter,
    lap_events,
    racer_skill,
    simulate_laps,
)
from lapgate.timer.events import Crossing


def test_same_seed_same_laps_and_other_seed_differs() -> None:
    first = simulate_laps(7, 11.0, 0.8, 20)
    assert first == simulate_laps(7, 11.0, 0.8, 20)
    assert first != simulate_laps(8, 11.0, 0.8, 20)
    assert first != simulate_laps(7, 11.0, 0.8, 20, car="other")


def test_lap_times_follow_mean_and_sigma() -> None:
    events = simulate_laps(3, 11.0, 0.8, 2001)
    passes = [e.t_ns for e in events if e.kind == "crossing"]
    assert len(passes) == 2001
    laps_s = [(b - a) / 1e9 for a, b in itertools.pairwise(passes)]
    assert mean(laps_s) == pytest.approx(11.0, abs=0.1)
    assert stdev(laps_s) == pytest.approx(0.8, abs=0.08)


def test_skill_makes_laps_faster() -> None:
    slow = simulate_laps(3, 11.0, 0.5, 101)
    fast = simulate_laps(3, 11.0, 0.5, 101, skill=1.25)
    assert fast[-1].t_ns - fast[0].t_ns < slow[-1].t_ns - slow[0].t_ns


def test_incidents_appear_at_their_rates_and_in_time_order() -> None:
    events = simulate_laps(
        5,
        10.0,
        0.5,
        4000,
        off_track_probability=0.1,
        double_trigger_probability=0.05,
        missed_crossing_probability=0.02,
    )
    times = [e.t_ns for e in events]
    assert times == sorted(times)
    kinds = [e.kind for e in events]
    assert kinds.count("crossing") + kinds.count("missed") == 4000
    assert kinds.count("off_track") == pytest.approx(400, rel=0.2)
    assert kinds.count("double_trigger") == pytest.approx(0.05 * 3920, rel=0.25)
    assert kinds.count("missed") == pytest.approx(80, rel=0.35)
    for event, following in itertools.pairwise(events):
        if following.kind == "double_trigger":
            assert event.kind == "crossing"
            assert 0 < following.t_ns - event.t_ns <= 500_000_000


def test_off_track_lap_is_slower() -> None:
    events = simulate_laps(11, 10.0, 0.3, 400, off_track_probability=0.2)
    passes = [e for e in events if e.kind == "crossing"]
    offs = [e.t_ns for e in events if e.kind == "off_track"]
    clean, slowed = [], []
    for a, b in itertools.pairwise(passes):
        lap_s = (b.t_ns - a.t_ns) / 1e9
        (slowed if any(a.t_ns < t < b.t_ns for t in offs) else clean).append(lap_s)
    assert slowed and clean
    assert min(slowed) > mean(clean)


def test_bad_skill_is_refused() -> None:
    with pytest.raises(ValueError, match="skill"):
        next(lap_events(1, "car", CarProfile(), skill=0))


class _Collector:
    def __init__(self, want: int) -> None:
        self.crossings: list[Crossing] = []
        self.notices: list[GateNotice] = []
        self.want = want
        self.done = threading.Event()

    def crossing(self, crossing: Crossing) -> None:
        self.crossings.append(crossing)
        if len(self.crossings) >= self.want:
            self.done.set()

    def notice(self, notice: GateNotice) -> None:
        self.notices.append(notice)


def test_adapter_plays_the_pure_events_on_its_virtual_clock() -> None:
    settings = SimulatedGate(
        id="sim",
        seed=4,
        speed_factor=100,
        mean_lap_s=2.0,
        sigma_lap_s=0.2,
        off_track_probability=0.2,
        double_trigger_probability=0.2,
        missed_crossing_probability=0.1,
    )
    adapter = build_gate(settings)
    assert isinstance(adapter, SimulatedGateAdapter)
    assert isinstance(adapter, GateAdapter)
    sink = _Collector(want=8)
    adapter.start(sink.crossing, sink.notice)
    try:
        start_ns = adapter.drive("alice")
        assert sink.done.wait(10)
        adapter.drive(None)
    finally:
        adapter.stop()
    expected = list(
        itertools.islice(lap_events(4, "alice", CarProfile.from_settings(settings)), 200)
    )
    emitted = [e for e in expected if e.kind in ("crossing", "double_trigger")]
    got = sink.crossings[:8]
    assert [c.t_ns - start_ns for c in got] == [e.t_ns for e in emitted[:8]]
    assert {c.source for c in got} == {"sim:alice"}
    assert {c.gate_id for c in got} == {"sim"}
    assert sink.notices[0].kind == "factory"
    offs_before = [e for e in expected if e.kind == "off_track" and e.t_ns < emitted[7].t_ns]
    assert len([n for n in sink.notices if n.kind == "off_track"]) >= len(offs_before)


def test_empty_track_emits_nothing_and_stop_is_idempotent() -> None:
    adapter = SimulatedGateAdapter(SimulatedGate(speed_factor=100, mean_lap_s=1.5))
    sink = _Collector(want=1)
    adapter.start(sink.crossing, sink.notice)
    assert not sink.done.wait(0.1)
    adapter.stop()
    adapter.stop()
    assert sink.crossings == []


def test_virtual_clock_runs_at_the_speed_factor() -> None:
    host = [1_000]
    adapter = SimulatedGateAdapter(SimulatedGate(speed_factor=10), clock_ns=lambda: host[0])
    assert adapter.now_ns() == 1_000
    host[0] = 1_500
    assert adapter.now_ns() == 6_000


# ---- run_staged: the engine host's hook that makes `lapgate run` drive staged racers ----

FAST = SimulatedGate(id="sim", seed=4, speed_factor=100, mean_lap_s=1.5, sigma_lap_s=0.1)


def _passes(racer: str, skill: float, n: int) -> list[int]:
    """Offsets (ns) of `racer`'s first `n` crossings on the FAST gate."""
    events = lap_events(FAST.seed, racer, CarProfile.from_settings(FAST), skill)
    crossings = (e.t_ns for e in events if e.kind in ("crossing", "double_trigger"))
    return list(itertools.islice(crossings, n))


def test_run_staged_laps_the_racer_until_run_ended_then_nothing() -> None:
    adapter = SimulatedGateAdapter(FAST)
    sink = _Collector(want=5)
    adapter.start(sink.crossing, sink.notice)
    try:
        adapter.run_staged("Ada Lovelap")
        assert sink.done.wait(10)
        adapter.run_ended(sink.crossings[0].t_ns, adapter.now_ns())
        after_end = len(sink.crossings)
        # 0.1 s real is 10 virtual seconds: six more laps had the car stayed on track
        assert not threading.Event().wait(0.1)
    finally:
        adapter.stop()
    assert len(sink.crossings) == after_end
    assert {c.source for c in sink.crossings} == {"sim:Ada Lovelap"}
    # The laps are the pure generator's, at the racer's derived skill
    expected = _passes("Ada Lovelap", adapter.skill_of("Ada Lovelap"), after_end)
    got = [c.t_ns - sink.crossings[0].t_ns for c in sink.crossings]
    assert got == [t - expected[0] for t in expected]


def test_a_car_staged_after_the_run_ended_stays_on_track() -> None:
    adapter = SimulatedGateAdapter(FAST)
    sink = _Collector(want=2)
    adapter.start(sink.crossing, sink.notice)
    try:
        before_ns = adapter.now_ns()
        adapter.run_staged("Grace")
        adapter.run_ended(before_ns - 1_000, before_ns)  # the previous run's end
        assert sink.done.wait(10)
    finally:
        adapter.stop()
    assert {c.source for c in sink.crossings} == {"sim:Grace"}


def test_staging_a_new_racer_replaces_the_car_on_track() -> None:
    adapter = SimulatedGateAdapter(FAST)
    first = _Collector(want=2)
    adapter.start(first.crossing, first.notice)
    try:
        adapter.run_staged("Ada")
        assert first.done.wait(10)
        adapter.run_staged("Grace")
        replaced_at = len(first.crossings)
        first.want, first.done = replaced_at + 3, threading.Event()
        assert first.done.wait(10)
    finally:
        adapter.stop()
    assert {c.source for c in first.crossings[:replaced_at]} == {"sim:Ada"}
    assert {c.source for c in first.crossings[replaced_at:]} == {"sim:Grace"}


def test_derived_skills_are_stable_per_seed_and_racer_and_differ_between_racers() -> None:
    low, high = DERIVED_SKILL_RANGE
    skills = [racer_skill(1, f"racer {i}") for i in range(20)]
    assert all(low <= s <= high for s in skills)
    assert len({round(s, 3) for s in skills}) > 15
    assert racer_skill(1, "Ada Lovelap") == racer_skill(1, "Ada Lovelap")
    assert racer_skill(2, "Ada Lovelap") != racer_skill(1, "Ada Lovelap")
    # the same in every process (not Python's salted hash): rehearsals repeat
    assert racer_skill(1, "Ada Lovelap") == pytest.approx(1.052162876005591, abs=1e-12)
    adapter = SimulatedGateAdapter(SimulatedGate(seed=1))
    assert adapter.skill_of("Ada Lovelap") == racer_skill(1, "Ada Lovelap")


def test_a_skills_table_overrides_the_derived_skill_and_is_checked() -> None:
    adapter = SimulatedGateAdapter(SimulatedGate(seed=1), skills={"Ada": 1.2})
    assert adapter.skill_of("Ada") == 1.2
    assert adapter.skill_of("Grace") == racer_skill(1, "Grace")
    adapter.set_skills({"Grace": 0.9})
    assert adapter.skill_of("Grace") == 0.9
    assert adapter.skill_of("Ada") == racer_skill(1, "Ada")
    with pytest.raises(ValueError, match=r"skills\['Ken'\]: got 0"):
        adapter.set_skills({"Ken": 0})


def test_the_decoder_takes_run_staged_and_does_nothing(tmp_path: Path) -> None:
    adapter = DecoderGateAdapter(SerialGate(url=str(tmp_path / "no-such-tty")))
    assert isinstance(adapter, GateAdapter)
    adapter.run_staged("Ada")  # not even started: still returns at once, no error
