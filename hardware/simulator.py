"""A simulated gate: seeded virtual cars lapping a virtual track.

Two layers, like the real adapters:

- `lap_events` / `simulate_laps`: a pure, thread-free, seeded generator of what a car
  does at the line (crossings, double triggers, missed crossings, off-track excursions),
  as offsets in nanoseconds from the moment the car is put on track. Tests, the bracket
  helper and the ZRound emulator use it directly.
- `SimulatedGateAdapter`: a `GateAdapter` whose thread plays those events in real time
  for whichever car is on track: the racer of the run just staged (`run_staged`, called
  by the engine host, so a simulated gate under `lapgate run` times rehearsal runs by
  itself), or a car put there by hand with `drive()` (`lapgate gate-test --drive`).

Speed factor. The adapter keeps a *virtual clock*: ``now_ns() = origin + (host_now -
origin) × speed_factor`` where `origin` is the host monotonic instant when the adapter
was built. Emitted `t_ns` are on that clock, so lap durations are the simulated ones
(11 s laps stay 11 s in the results) while a demo at speed 10 shows a lap every 1.1 s of
real time. At speed 1 the virtual clock *is* the host monotonic clock. A service that
runs a simulated gate faster than real time must read time for that gate's runs from
`adapter.now_ns()` (time limits then elapse at the same speed).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from lapgate.config.settings import SimulatedGate
from lapgate.hardware.base import CrossingSink, GateNotice, NoticeSink
from lapgate.timer.events import Crossing

log = logging.getLogger(__name__)

# What a car does at the line. "crossing" and "double_trigger" reach the gate;
# "missed" is a pass the gate did not see; "off_track" happens mid-lap.
SIM_KINDS: Final = ("crossing", "double_trigger", "missed", "off_track")
_APPROACH_S: Final = (0.5, 2.0)  # from "on track" to the first pass of the line
_DOUBLE_AFTER_S: Final = (0.02, 0.5)  # second trigger this long after the pass
_RESET_PENALTY_S: Final = (3.0, 8.0)  # extra time an off-track lap takes
_MIN_LAP_FRACTION: Final = 0.4  # no lap shorter than this fraction of the mean
# Skills of racers the adapter was given no skill for: spread enough that rehearsal
# standings differ between racers, narrow enough that every lap stays plausible.
DERIVED_SKILL_RANGE: Final = (0.93, 1.10)


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One thing a simulated car does: `kind` (one of `SIM_KINDS`) at `t_ns`.

    `t_ns` is an offset from when the car was put on track (nanoseconds), or an
    absolute instant once the adapter has placed the event on its clock.
    """

    t_ns: int
    kind: str


@dataclass(frozen=True, slots=True)
class CarProfile:
    """How laps are distributed for a car of skill 1.0 (seconds, probabilities per lap)."""

    mean_lap_s: float = 11.0
    sigma_lap_s: float = 0.8
    off_track_probability: float = 0.0
    double_trigger_probability: float = 0.0
    missed_crossing_probability: float = 0.0

    @classmethod
    def from_settings(cls, settings: SimulatedGate) -> CarProfile:
        return cls(
            mean_lap_s=settings.mean_lap_s,
            sigma_lap_s=settings.sigma_lap_s,
            off_track_probability=settings.off_track_probability,
            double_trigger_probability=settings.double_trigger_probability,
            missed_crossing_probability=settings.missed_crossing_probability,
        )


def _ns(seconds: float) -> int:
    return round(seconds * 1_000_000_000)


def _next_lap(rng: random.Random, profile: CarProfile, skill: float) -> tuple[int, int | None]:
    """One lap's duration (ns) and, if the car goes off track, when (ns into the lap)."""
    mean_s = profile.mean_lap_s / skill
    base_s = max(rng.gauss(mean_s, profile.sigma_lap_s), _MIN_LAP_FRACTION * mean_s)
    if rng.random() >= profile.off_track_probability:
        return _ns(base_s), None
    off_at_ns = _ns(base_s * rng.uniform(0.2, 0.8))
    return _ns(base_s + rng.uniform(*_RESET_PENALTY_S)), off_at_ns


def lap_events(
    seed: int, car: str, profile: CarProfile, skill: float = 1.0, outing: int = 0
) -> Iterator[SimEvent]:
    """Endless, time-ordered events of `car` from the moment it is put on track.

    Deterministic for a given (`seed`, `car`, `outing`, `profile`, `skill`); `outing`
    numbers the car's successive runs so each run differs. `skill` > 1 is faster.
    """
    if skill <= 0:
        raise ValueError(f"skill: got {skill}, expected a positive number")
    rng = random.Random(f"{seed}:{car}:{outing}")
    t_ns = _ns(rng.uniform(*_APPROACH_S))
    while True:
        lap_ns, off_at_ns = _next_lap(rng, profile, skill)
        missed = rng.random() < profile.missed_crossing_probability
        batch = [SimEvent(t_ns, "missed" if missed else "crossing")]
        if not missed and rng.random() < profile.double_trigger_probability:
            after_ns = min(_ns(rng.uniform(*_DOUBLE_AFTER_S)), lap_ns // 4)
            batch.append(SimEvent(t_ns + after_ns, "double_trigger"))
        if off_at_ns is not None:
            batch.append(SimEvent(t_ns + off_at_ns, "off_track"))
        yield from sorted(batch, key=lambda event: event.t_ns)
        t_ns += lap_ns


def racer_skill(seed: int, racer: str) -> float:
    """A skill in `DERIVED_SKILL_RANGE` for `racer`, the same for every (`seed`, `racer`).

    Seeding `random.Random` with a string hashes it with SHA-512, so the value repeats
    across processes (unlike `hash()`), and a new seed gives every racer a new skill.
    """
    return random.Random(f"skill:{seed}:{racer}").uniform(*DERIVED_SKILL_RANGE)


def simulate_laps(
    seed: int,
    mean_lap_s: float,
    sigma_lap_s: float,
    n: int,
    *,
    car: str = "car",
    skill: float = 1.0,
    off_track_probability: float = 0.0,
    double_trigger_probability: float = 0.0,
    missed_crossing_probability: float = 0.0,
) -> list[SimEvent]:
    """The events of `car` up to and including its `n`-th pass of the line.

    Passes are the "crossing" and "missed" events; n passes make n − 1 laps.
    """
    profile = CarProfile(
        mean_lap_s,
        sigma_lap_s,
        off_track_probability,
        double_trigger_probability,
        missed_crossing_probability,
    )
    events: list[SimEvent] = []
    passes = 0
    for event in lap_events(seed, car, profile, skill):
        if event.kind in ("crossing", "missed"):
            if passes == n:
                break
            passes += 1
        elif passes == n:
            break
        events.append(event)
    return events


class SimulatedGateAdapter:
    """A `GateAdapter` playing seeded virtual cars in real time (see the module doc)."""

    def __init__(
        self,
        settings: SimulatedGate,
        clock_ns: Callable[[], int] = time.monotonic_ns,
        skills: Mapping[str, float] | None = None,
    ) -> None:
        self.gate_id = settings.id
        self._settings = settings
        self._profile = CarProfile.from_settings(settings)
        self._clock_ns = clock_ns
        self._origin_ns = clock_ns()
        # Reentrant: a sink called with the lock held (see `_run`) may call back in.
        self._lock = threading.RLock()
        self._skills: dict[str, float] = {}
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._car: str | None = None
        self._car_start_ns = 0
        self._events: Iterator[SimEvent] = iter(())
        self._pending: SimEvent | None = None
        self._outings: dict[str, int] = {}
        self._on_crossing: CrossingSink = _drop
        self._on_notice: NoticeSink = _drop
        self.set_skills(skills or {})

    def now_ns(self) -> int:
        """The virtual clock (host monotonic ns when the speed factor is 1)."""
        elapsed_ns = self._clock_ns() - self._origin_ns
        return self._origin_ns + round(elapsed_ns * self._settings.speed_factor)

    def set_skills(self, skills: Mapping[str, float]) -> None:
        """Use these skills (racer alias → skill, > 1 is faster) for `run_staged`.

        Racers not in `skills` get `racer_skill(seed, racer)`. Raises `ValueError` for a
        skill that is not a positive number, here rather than on the host thread later.
        """
        for racer, skill in skills.items():
            if not skill > 0:
                raise ValueError(f"skills[{racer!r}]: got {skill}, expected a positive number")
        with self._lock:
            self._skills = dict(skills)

    def skill_of(self, racer: str) -> float:
        """The skill `run_staged(racer)` drives `racer` with."""
        with self._lock:
            skill = self._skills.get(racer)
        return racer_skill(self._settings.seed, racer) if skill is None else skill

    def run_staged(self, racer: str) -> None:
        """Put `racer`'s car on track now: a rolling start after the approach delay.

        Called by the engine host right after a run is staged on this gate's track. The car
        laps with `skill_of(racer)` until `run_ended`, replacing any car still on track.
        """
        self.drive(racer, self.skill_of(racer))

    def drive(self, car: str | None, skill: float = 1.0) -> int:
        """Put `car` on track now (None: take the car off); return that virtual instant."""
        with self._lock:
            start_ns = self.now_ns()
            self._car = car
            self._car_start_ns = start_ns
            if car is None:
                self._events = iter(())
            else:
                outing = self._outings.get(car, 0)
                self._outings[car] = outing + 1
                seed = self._settings.seed
                self._events = lap_events(seed, car, self._profile, skill, outing)
            self._pending = self._advance()
        self._wake.set()
        return start_ns

    def start(self, on_crossing: CrossingSink, on_notice: NoticeSink) -> None:
        if self._thread is not None:
            return
        self._on_crossing, self._on_notice = on_crossing, on_notice
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"sim-gate-{self.gate_id}", daemon=True
        )
        self._thread.start()
        speed = self._settings.speed_factor
        detail = f"simulated gate, seed {self._settings.seed}, speed factor {speed:g}"
        on_notice(GateNotice(self.gate_id, self.now_ns(), "factory", detail))

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._wake.set()
        thread.join()

    def run_ended(self, start_ns: int, end_ns: int) -> None:
        """Take the car off the track: its run is over, so it crosses no more.

        A car put on track after `end_ns` belongs to a later run and stays. Virtual
        sensors never fail silently, so there is nothing else to check.
        """
        with self._lock:
            if self._car is not None and self._car_start_ns <= end_ns:
                self.drive(None)

    def _advance(self) -> SimEvent | None:
        """The next event placed on the virtual clock (caller holds the lock)."""
        event = next(self._events, None)
        if event is None:
            return None
        return SimEvent(self._car_start_ns + event.t_ns, event.kind)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            with self._lock:
                pending, car = self._pending, self._car
            if pending is None or car is None:
                self._wake.wait()
                continue
            wait_ns = pending.t_ns - self.now_ns()
            if wait_ns > 0:
                self._wake.wait(wait_ns / self._settings.speed_factor / 1e9)
                continue
            with self._lock:
                if self._pending is not pending:  # drive() replaced the car meanwhile
                    continue
                self._pending = self._advance()
                # Emitting under the lock: once `run_ended` or `drive` returns, the car
                # they took off emits nothing more. The sinks only enqueue.
                self._emit(pending, car)

    def _emit(self, event: SimEvent, car: str) -> None:
        if event.kind in ("crossing", "double_trigger"):
            self._on_crossing(Crossing(self.gate_id, event.t_ns, f"sim:{car}"))
        elif event.kind == "off_track":
            detail = f"{car} left the track: add a reset"
            self._on_notice(GateNotice(self.gate_id, event.t_ns, "off_track", detail, car))
        else:
            log.debug(
                "gate %s: simulated missed crossing of %s at %d", self.gate_id, car, event.t_ns
            )


def _drop(_: object) -> None:
    """A sink for an adapter that has not been started."""
