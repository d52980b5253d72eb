"""The demo's staff: `DemoDirector` plays the event's program of rounds, as staff would.

The director acts only through staff commands (`EngineHost.execute`, the table behind
/control) and reads the views the screens are drawn from (`board.live.views`), so the demo
goes through the paths staff use at a venue. Before every step it looks afresh:

- a pending round is opened (`round_open`) once the previous one has been on screen for
  a while;
- in a timed round each entrant who still has a run to take (open entry: every demo
  racer) joins the queue (`queue_add`), and the next is staged when the track is free;
- a bracket round stages its next match (`bracket_stage`), runs its racers, then decides
  it from their runs (`bracket_decide`);
- the shootout runs its finalists in the running order the core queued, and each run is
  ended after its flying lap (`end`);
- a round with nobody left to race is closed (`round_close`), which fixes who advances;
- a car that leaves the track gets its reset (`reset`), as a timekeeper would add it.

When every round is closed the director leaves the final results on screen, then sets
`finished` (`board.demo_show.DemoShow` then starts a fresh event). It never drives: the
engine host tells the simulated gate about every staged run, and the gate puts that
racer's car on track with their skill (`SKILLS`, set by the show).

Staff may act from /control at any time. A step that the core refuses (staff got there
first, or changed the state under it) is logged at info level and the director looks
again at its next step. Pauses are on the gate's clock (simulated seconds), so a faster
gate plays the whole demo faster.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lapgate.board.live import brackets as live_brackets
from lapgate.board.live import views
from lapgate.board.live.host import EngineHost, HostStopped
from lapgate.board.live.race import Race, RoundStatus
from lapgate.hardware.simulator import CarProfile, lap_events
from lapgate.timer.errors import LapgateError
from lapgate.timer.events import AdjustResets, Crossing, GateCrossing
from lapgate.timer.rounds import RoundKind
from lapgate.timer.run import RunStatus

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


@dataclass(frozen=True, slots=True)
class Pauses:
    """How long the director leaves things on screen, in gate-clock (simulated) seconds."""

    after_run_s: float = 15.0  # a finished run (and a decided match) before the next
    between_rounds_s: float = 40.0  # a closed round's standings before the next opens
    final_s: float = 200.0  # the final results before the demo starts over

    @classmethod
    def none(cls) -> Pauses:
        return cls(0.0, 0.0, 0.0)


DEMO_PAUSES = Pauses()


@dataclass(frozen=True, slots=True)
class Look:
    """What the director reads before a step (built on the host thread from the views)."""

    now_s: float  # the track's gate clock
    round: dict[str, Any] | None  # the program's first round not closed (program_round_view)
    run: dict[str, Any] | None  # the run on the track, if any (run_view)
    queue: list[dict[str, Any]]  # the track's queue for `round` (queue_view)
    bracket: dict[str, Any] | None  # the bracket of `round` (brackets view)
    runs_taken: dict[str, int] = field(default_factory=dict)  # name → runs not aborted

    @property
    def track_busy(self) -> bool:
        return self.run is not None and self.run["status"] in (RunStatus.STAGED, RunStatus.RUNNING)


def look(race: Race, track_id: str) -> Look:
    """The director's reading of the event (only on the host thread): the views, and each
    racer's runs in the round as the core counts them against `runs_per_racer`."""
    track = race.track(track_id)
    shown = views.track_view(race, track)
    program = views.program_view(race)
    current = next((r for r in program if r["status"] != RoundStatus.CLOSED), None)
    now_s = (shown["now_at_ms"] or 0.0) / 1000
    if current is None:
        return Look(now_s, None, shown["run"], [], None)
    round_id = current["round_id"]
    bracket = None
    if current["bracket_id"]:
        bracket = live_brackets.view(race, live_brackets.get(race, current["bracket_id"]))
    taken = Counter(
        race.racers[run.info.racer_id].alias
        for run in race.round_runs(round_id)
        if run.state.status is not RunStatus.ABORTED and run.info.racer_id in race.racers
    )
    queued = shown["queue"] if track.round_id == round_id else []
    return Look(now_s, current, shown["run"], queued, bracket, dict(taken))


class DemoDirector:
    """Plays the program on one track, step by step, through staff commands."""

    def __init__(
        self,
        host: EngineHost,
        *,
        racers: list[str] | None = None,
        track_id: str | None = None,
        pauses: Pauses = DEMO_PAUSES,
        poll_s: float = 0.25,
    ) -> None:
        self.host = host
        self.racers = racers if racers is not None else [alias for alias, _ in DEMO_RACERS]
        self.pauses = pauses
        self.poll_s = poll_s
        self.track_id, self._gate_id = host.call(lambda race: _track_and_gate(race, track_id))
        self.finished = threading.Event()  # set once the final results have been shown
        self._hold_until_s = 0.0  # gate clock: no new step before this
        self._seen_over: str | None = None  # the last run seen over (its pause was taken)
        self._done_at_s: float | None = None
        self._run_on_track: str | None = None  # as the last track message showed it
        self._resets: queue.SimpleQueue[tuple[str | None, str]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        host.subscribe(self._on_message)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="demo-director", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ---- the loop -------------------------------------------------------------------

    def _on_message(self, message: dict[str, Any]) -> None:
        """On the host thread: note a car off track; the director's thread adds the reset
        to the run that was on track then (not to the next one, should that be staged)."""
        kind = message.get("type")
        if kind == "track" and message["track_id"] == self.track_id:
            # a track update may be a patch (board/live/delta.py): read the run it left
            run = self.host.race.current_run(self.host.race.track(self.track_id))
            self._run_on_track = run.info.run_id if run else None
        elif (
            kind == "notice"
            and message.get("kind") == "off_track"
            and message.get("gate_id") == self._gate_id
        ):
            self._resets.put((self._run_on_track, str(message.get("text", ""))))
            self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set() and not self.finished.is_set():
            try:
                self._add_resets()
                self.step()
            except HostStopped:
                return
            except Exception:  # a demo that stops on a surprise shows nothing: log, go on
                log.exception("demo: step failed; trying again")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _add_resets(self) -> None:
        while not self._resets.empty():
            run_id, why = self._resets.get()  # why: "<car> left the track: add a reset"
            payload: dict[str, Any] = {"track_id": self.track_id, "delta": 1}
            if run_id is not None:
                payload["run_id"] = run_id
            self._do("reset", payload, f"+1 ({why})")

    def _do(self, name: str, payload: dict[str, Any], what: str = "") -> dict[str, Any] | None:
        """Run staff command `name`; None (logged) when the core refuses it."""
        try:
            result = self.host.execute(name, payload)
        except LapgateError as exc:
            if isinstance(exc, HostStopped):
                raise
            log.info("demo: %s %s refused (%s); looking again", name, what, exc)
            return None
        log.info("demo: %s %s", name, what)
        return result

    def _hold(self, now_s: float, seconds: float) -> None:
        self._hold_until_s = max(self._hold_until_s, now_s + seconds)

    # ---- one step -------------------------------------------------------------------

    def step(self) -> None:
        """Look at the event and take the next staff action, if one is due."""
        seen = self.host.call(lambda race: look(race, self.track_id))
        if seen.track_busy:
            self._on_track(seen)
            return
        run = seen.run
        if run is not None and run["run_id"] != self._seen_over:
            self._seen_over = run["run_id"]  # a run just ended: leave its result up a while
            self._hold(seen.now_s, self.pauses.after_run_s)
        if seen.round is None:
            self._program_done(seen)
            return
        self._done_at_s = None  # staff reopened a round: play on
        if seen.now_s < self._hold_until_s:
            return
        current = seen.round
        if current["status"] == RoundStatus.PENDING:
            self._do("round_open", {"round_id": current["round_id"]}, current["name"])
        elif current["kind"] == RoundKind.BRACKET:
            self._bracket_step(seen)
        elif current["kind"] == RoundKind.EXTERNAL:
            self._close(seen)  # its advancers are typed in by staff (refused until then)
        else:
            self._timed_step(seen)

    def _on_track(self, seen: Look) -> None:
        """A run is on track: end a shootout run once its flying lap is in."""
        run = seen.run
        assert run is not None
        if (
            seen.round is not None
            and seen.round["kind"] == RoundKind.SHOOTOUT
            and run["round_id"] == seen.round["round_id"]
            and run["status"] == RunStatus.RUNNING
            and run["laps"]
        ):
            self._do("end", {"track_id": self.track_id}, f"{run['racer']}'s flying lap is in")

    def _timed_step(self, seen: Look) -> None:
        """Timed rounds and the shootout: stage whoever may race, queue who is owed a run."""
        current = seen.round
        assert current is not None
        limit = max(int(current["runs_per_racer"]), 1)  # unlimited: one run each in the demo
        ready = [e for e in seen.queue if seen.runs_taken.get(e["name"], 0) < limit]
        if ready:
            entry = ready[0]
            self._do(
                "stage",
                {"track_id": self.track_id, "entry_id": entry["entry_id"]},
                f"{entry['name']} ({current['name']})",
            )
            return
        if seen.queue:  # queued again after their last run: take them off, as staff would
            entry = seen.queue[0]
            payload = {"track_id": self.track_id, "entry_id": entry["entry_id"]}
            self._do("queue_remove", payload, f"{entry['name']} (no run left)")
            return
        entrants = current["entrants"]
        names = self.racers if entrants is None else [e["name"] for e in entrants]
        owed = [name for name in names if seen.runs_taken.get(name, 0) < limit]
        if owed:
            for name in owed:
                # the demo's racers are known people coming back: "same person" answered
                payload = {"track_id": self.track_id, "alias": name, "same_racer": True}
                self._do("queue_add", payload, name)
            return
        self._close(seen)

    def _bracket_step(self, seen: Look) -> None:
        """Stage the next match, run its racers, decide it; close the round when finished."""
        bracket = seen.bracket
        current = seen.round
        assert current is not None
        if bracket is None:
            log.info("demo: %s has no bracket yet; looking again", current["name"])
            return
        bracket_id = bracket["bracket_id"]
        if bracket["finished"] and bracket["staged"] is None:
            self._close(seen)
        elif bracket["staged"] is None:
            self._do("bracket_stage", {"bracket_id": bracket_id}, str(bracket["current_match"]))
        elif seen.queue:
            entry = seen.queue[0]
            payload = {"track_id": self.track_id, "entry_id": entry["entry_id"]}
            self._do("stage", payload, f"{entry['name']} ({bracket['staged']})")
        else:
            match_id = bracket["staged"]
            decided = self._do("bracket_decide", {"bracket_id": bracket_id}, match_id)
            if decided is None:  # nobody raced it (staff took the entries off): race it again
                payload = {"bracket_id": bracket_id, "match_id": match_id, "replace": True}
                self._do("bracket_stage", payload, f"{match_id} again")
            else:
                self._hold(seen.now_s, self.pauses.after_run_s)

    def _close(self, seen: Look) -> None:
        current = seen.round
        assert current is not None
        closed = self._do("round_close", {"round_id": current["round_id"]}, current["name"])
        if closed is not None:
            self._hold(seen.now_s, self.pauses.between_rounds_s)
            if closed.get("tied_at_cut"):
                log.info("demo: %s closed with racers tied at the cut", current["name"])

    def _program_done(self, seen: Look) -> None:
        if self._done_at_s is None:
            self._done_at_s = seen.now_s
            log.info("demo: every round is closed; final results on screen")
        elif seen.now_s - self._done_at_s >= self.pauses.final_s:
            self.finished.set()


def _track_and_gate(race: Race, track_id: str | None) -> tuple[str, str]:
    track = race.track(track_id)
    return track.track_id, track.gate_id


def seed_history(race: Race, sim_settings: Any, runs: int, track_id: str | None = None) -> None:
    """On the host thread: queue every demo racer and replay `runs` finished runs.

    Instant history for an event without a program (one open round): the docs'
    screenshots use it (docs/img/make_event_day_shots.py). The demo itself plays its
    program live instead.
    """
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
