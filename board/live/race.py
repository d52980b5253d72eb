"""The live core's state: the event, its program of rounds, tracks, runs, queues, brackets.

`Race` is touched only by the engine host's thread (`board.live.host`). Every mutation
persists through the `RaceStore` first and changes memory only after the store returned,
then queues a typed message (`board.live.messages`) for the host to number and push:
nothing is shown that is not stored. Instants are integer nanoseconds on the clock of the
track's gate.

A round spans tracks: each track races at most one round at a time (`TrackRecord.round_id`),
with its own queue and current run; a round's leaderboard combines the runs of all its
tracks. The program's rules (open, close, entrants, advancement) live in
`board.live.program`; brackets in `board.live.brackets`; staff commands in
`board.live.commands`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from lapgate.board.bracket_document import LiveBracket
from lapgate.board.domain import (
    EventInfo,
    ModelCardRecord,
    QueueEntry,
    Racer,
    RoundInfo,
    RunInfo,
    new_id,
)
from lapgate.board.live.messages import (
    GateChanged,
    Message,
    Notice,
    ProgramChanged,
    SettingsChanged,
    TrackChanged,
)
from lapgate.board.store.api import RaceStore
from lapgate.config.settings import RACE_SOUNDS, Settings
from lapgate.timer.errors import LapgateError, RuleViolation
from lapgate.timer.events import Crossing, ExpiryPolicy, GateCrossing, RunEvent, TimeUp
from lapgate.timer.formats import Format, RunLaps
from lapgate.timer.leaderboard import RacerRuns, Standing, leaderboard
from lapgate.timer.rounds import RoundKind, RoundSpec
from lapgate.timer.run import RunConfig, RunLog, RunState, RunStatus, run_state
from lapgate.timer.staff import record
from lapgate.timer.units import ns_from_s

if TYPE_CHECKING:
    from lapgate.board.live.joins import Joins

log = logging.getLogger(__name__)

ClockNs = Callable[[], int]
MAX_ALIAS_CHARS = 60


class ActionError(LapgateError, ValueError):
    """A staff request that cannot be carried out as asked (bad value or wrong moment)."""


class NotFound(LapgateError, LookupError):
    """A request names a track, run, racer, round or queue entry that does not exist."""


class RoundStatus:
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(slots=True)
class RunRecord:
    """One run: its registration, its log, and the state replayed from that log."""

    info: RunInfo
    log: RunLog
    state: RunState


@dataclass(slots=True)
class TrackRecord:
    track_id: str
    name: str
    gate_id: str
    round_id: str = ""  # the round raced on this track now ("" before any is opened)
    current_run_id: str | None = None


@dataclass(frozen=True, slots=True)
class GateHealth:
    """The last thing a gate told us; `level` is ok / warn / error / unknown."""

    level: str = "unknown"
    kind: str = ""
    detail: str = "not started"
    t_ns: int = 0


NOTICE_LEVELS = {
    "stuck": "error",
    "disconnected": "error",
    "bad_bytes": "warn",
    "silent": "warn",
    "drift": "warn",
    "reconnected": "ok",
    "released": "ok",
    "factory": "ok",
    "started": "ok",
    "failed": "error",
}


@dataclass(slots=True)
class Race:
    """The whole live event, rebuilt from the store by `load` and kept in memory."""

    store: RaceStore
    settings: Settings
    clocks: Mapping[str, ClockNs]  # gate id → that gate's clock (ns)
    clock_ids: Mapping[str, str] = field(default_factory=dict)  # gate id → board.clock id
    event: EventInfo | None = None
    rounds: dict[str, RoundInfo] = field(default_factory=dict)
    specs: dict[str, RoundSpec] = field(default_factory=dict)  # round id → its rules
    tracks: dict[str, TrackRecord] = field(default_factory=dict)
    racers: dict[str, Racer] = field(default_factory=dict)
    runs: dict[str, RunRecord] = field(default_factory=dict)
    queues: dict[str, list[QueueEntry]] = field(default_factory=dict)  # round id → all tracks
    brackets: dict[str, LiveBracket] = field(default_factory=dict)
    cards: dict[tuple[str, str], ModelCardRecord] = field(default_factory=dict)  # board.live.cards
    joins: Joins = field(default_factory=lambda: _joins())  # board.live.joins
    gates: dict[str, GateHealth] = field(default_factory=dict)
    speak_laps: bool = False
    sounds: dict[str, bool] = field(default_factory=dict)  # race sound → on (big screen)
    outbox: list[Message] = field(default_factory=list)
    derived: dict[tuple[str, str], Any] = field(default_factory=dict)  # see `cached`
    ended_runs: list[str] = field(default_factory=list)  # runs that just ended (gate hook)
    staged_runs: list[str] = field(default_factory=list)  # runs just staged (gate hook)
    unstaged_gates: list[str] = field(default_factory=list)  # gates whose car left (unstage)

    # ---- start-up -------------------------------------------------------------------

    def load(self) -> None:
        """Rebuild everything from the store; the program's rounds are created on first use."""
        from lapgate.board.live import brackets, cards, joins, program

        self.speak_laps = self.settings.board.speak_laps
        self.sounds = {name: name in self.settings.board.sounds for name in RACE_SOUNDS}
        self.gates = {gate.id: GateHealth() for gate in self.settings.gate}
        self.event = self._load_or_create_event()
        self.tracks = {t.id: TrackRecord(t.id, t.name, t.gate) for t in self.settings.track}
        self.racers = {r.racer_id: r for r in self.store.list_racers()}
        cards.load(self)
        joins.load(self)
        program.load_rounds(self)
        for round_info in self.rounds.values():
            for info in self.store.list_runs(round_info.round_id):
                run_log = self.store.load_log(info.run_id)
                self.runs[info.run_id] = RunRecord(info, run_log, run_state(run_log))
            self.queues[round_info.round_id] = self.store.load_queue(round_info.round_id)
        brackets.load(self)
        program.assign_tracks(self)
        self._adopt_empty_runs()

    def _adopt_empty_runs(self) -> None:
        """Move runs staged on another clock, but holding no event yet, onto this clock."""
        for run in self.runs.values():
            track = self.track_of_run(run)
            current = self.clock_ids.get(track.gate_id, "")
            if run.log.entries or run.state.is_over or not current:
                continue
            if run.info.clock_id != current:
                self.store.set_run_clock(run.info.run_id, current)
                run.info = replace(run.info, clock_id=current)

    def _load_or_create_event(self) -> EventInfo:
        wanted = self.settings.event
        for event in self.store.list_events():
            if event.name == wanted.name and event.season == wanted.season:
                return event
        event = EventInfo(
            new_id(),
            wanted.season,
            wanted.name,
            wanted.kind,
            wanted.date.isoformat() if wanted.date else "",
            wanted.venue,
            wanted.region,
        )
        self.store.save_event(event)
        return event

    # ---- queries --------------------------------------------------------------------

    def track(self, track_id: str | None = None) -> TrackRecord:
        if track_id is None:
            return next(iter(self.tracks.values()))
        try:
            return self.tracks[track_id]
        except KeyError:
            raise NotFound(
                f"track: got {track_id!r:.60}, expected one of {sorted(self.tracks)}"
            ) from None

    def round(self, round_id: str) -> RoundInfo:
        try:
            return self.rounds[round_id]
        except KeyError:
            names = [r.name for r in self.ordered_rounds()]
            raise NotFound(f"round: got {round_id!r:.60}, expected a round id of {names}") from None

    def find_round(self, key: str) -> RoundInfo:
        """A round by id, name or number (1 = first of the program)."""
        if key in self.rounds:
            return self.rounds[key]
        for info in self.ordered_rounds():
            if key in (info.name, str(info.seq)):
                return info
        return self.round(key)

    def ordered_rounds(self) -> list[RoundInfo]:
        return sorted(self.rounds.values(), key=lambda r: r.seq)

    def run(self, run_id: str) -> RunRecord:
        try:
            return self.runs[run_id]
        except KeyError:
            raise NotFound(f"run: got {run_id!r:.60}, expected a known run id") from None

    def racer(self, racer_id: str) -> Racer:
        try:
            return self.racers[racer_id]
        except KeyError:
            raise NotFound(f"racer: got {racer_id!r:.60}, expected a known racer id") from None

    def round_runs(self, round_id: str) -> list[RunRecord]:
        runs = [r for r in self.runs.values() if r.info.round_id == round_id]
        return sorted(runs, key=lambda r: r.info.seq)

    def round_tracks(self, round_id: str) -> list[str]:
        """The tracks a round is raced on: those it names, else all of the event's."""
        info = self.rounds[round_id]
        named = [str(t) for t in info.state.get("tracks", [])] or (
            [info.track_id] if info.track_id else []
        )
        return [t for t in named if t in self.tracks] or list(self.tracks)

    def track_of_run(self, run: RunRecord) -> TrackRecord:
        track_id = run.info.track_id or self.rounds[run.info.round_id].track_id
        return self.tracks.get(track_id) or next(iter(self.tracks.values()))

    def track_queue(self, track: TrackRecord) -> list[QueueEntry]:
        """The queue of `track` in the round it races now, in running order."""
        entries = self.queues.get(track.round_id, [])
        return [e for e in entries if (e.track_id or track.track_id) == track.track_id]

    def current_run(self, track: TrackRecord) -> RunRecord | None:
        return self.runs.get(track.current_run_id or "")

    def running_on(self, track: TrackRecord) -> RunRecord | None:
        """The track's current run while it is not over (staged or running)."""
        run = self.current_run(track)
        return run if run is not None and not run.state.is_over else None

    def now_ns(self, track: TrackRecord) -> int:
        return self.clocks[track.gate_id]()

    def cached(self, key: tuple[str, str], build: Callable[[], Any]) -> Any:
        """A value derived from a round (standings, their views), kept until it changes."""
        if key not in self.derived:
            self.derived[key] = build()
        return self.derived[key]

    def round_changed(self, round_id: str) -> None:
        for key in [k for k in self.derived if k[1] == round_id]:
            del self.derived[key]

    def standings(self, round_id: str) -> tuple[Standing, ...]:
        """The round's leaderboard over all its tracks (computed once per change)."""
        result: tuple[Standing, ...] = self.cached(
            ("standings", round_id), lambda: self._compute_standings(round_id)
        )
        return result

    def _compute_standings(self, round_id: str) -> tuple[Standing, ...]:
        fmt: Format = self.rounds[round_id].format
        by_racer: dict[str, list[RunLaps]] = {}
        for run in self.round_runs(round_id):
            laps = RunLaps(run.info.run_id, run.info.seq, run.state.status, run.state.laps)
            by_racer.setdefault(run.info.racer_id, []).append(laps)
        racers = [
            RacerRuns(racer_id, self.racers[racer_id].alias, tuple(runs))
            for racer_id, runs in by_racer.items()
            if racer_id in self.racers
        ]
        return leaderboard(fmt, racers)

    # ---- mutations: racers and queue ------------------------------------------------

    def add_racer(self, alias: object, user_id: str | None = None) -> Racer:
        """A new racer (or the existing one with the same alias, case-insensitively)."""
        cleaned = clean_alias(alias)
        for racer in self.racers.values():
            if racer.alias.casefold() == cleaned.casefold():
                return racer
            if user_id and racer.user_id == user_id:
                return racer
        racer = Racer(new_id(), cleaned, user_id or None)
        self.store.save_racer(racer)
        self.racers[racer.racer_id] = racer
        return racer

    def open_round_of(self, track: TrackRecord, action: str) -> RoundInfo:
        """The round `track` races now, which must be open for `action`."""
        info = self.rounds.get(track.round_id)
        if info is None:
            raise RuleViolation(
                f"{action}: no round is open on track {track.track_id}; "
                "open one from the program on /control"
            )
        if info.status != RoundStatus.OPEN:
            raise RuleViolation(
                f"{action}: {info.name} is {info.status} on track {track.track_id}; "
                "reopen it or open the next round"
            )
        return info

    def queue_add(
        self,
        track_id: str | None,
        racer: Racer,
        car: str = "",
        model: str = "",
        override_reason: str = "",
    ) -> str:
        """Queue `racer` on the track's round; refused for a racer who is not an entrant."""
        from lapgate.board.live import program

        track = self.track(track_id)
        info = self.open_round_of(track, "queue")
        program.check_entrant(self, info, racer, override_reason)
        queue = self.track_queue(track)
        entry = QueueEntry(
            new_id(), info.round_id, racer.racer_id, len(queue), car, model, track.track_id
        )
        self._save_queue(track, [*queue, entry])
        return entry.entry_id

    def queue_move(self, track_id: str | None, entry_id: str, position: int) -> None:
        track = self.track(track_id)
        queue = list(self.track_queue(track))
        entry = self._entry(queue, entry_id)
        if not 0 <= position < len(queue):
            raise ActionError(f"position: got {position}, expected 0–{len(queue) - 1}")
        queue.remove(entry)
        queue.insert(position, entry)
        self._save_queue(track, queue)

    def queue_remove(self, track_id: str | None, entry_id: str) -> None:
        track = self.track(track_id)
        queue = list(self.track_queue(track))
        queue.remove(self._entry(queue, entry_id))
        self._save_queue(track, queue)

    def _entry(self, queue: list[QueueEntry], entry_id: str) -> QueueEntry:
        for entry in queue:
            if entry.entry_id == entry_id:
                return entry
        raise NotFound(f"queue entry: got {entry_id!r:.60}, expected an entry in the queue")

    def _save_queue(self, track: TrackRecord, queue: list[QueueEntry]) -> None:
        """Store the track's queue (the other tracks' entries of the round are kept)."""
        round_id = track.round_id
        mine = [replace(e, position=i, track_id=track.track_id) for i, e in enumerate(queue)]
        others = [
            e
            for e in self.queues.get(round_id, [])
            if (e.track_id or track.track_id) != track.track_id
        ]
        entries = [*others, *mine]
        self.store.save_queue(round_id, entries)
        self.queues[round_id] = entries
        self.changed(track, "queue")

    # ---- mutations: runs ------------------------------------------------------------

    def stage(self, track_id: str | None, entry_id: str | None = None) -> str:
        """Put the queue's first racer (or entry `entry_id`) on track; the new run's id."""
        from lapgate.board.live import cards, program

        track = self.track(track_id)
        current = self.running_on(track)
        if current is not None:
            name = self.racers[current.info.racer_id].alias
            raise RuleViolation(f"stage: {name}'s run is {current.state.status}; end it first")
        info = self.open_round_of(track, "stage")
        queue = list(self.track_queue(track))
        if not queue:
            raise RuleViolation("stage: the queue is empty; add a racer first")
        entry = self._entry(queue, entry_id) if entry_id else queue[0]
        program.check_runs_left(self, info, entry.racer_id)
        runs = self.round_runs(info.round_id)
        run_info = RunInfo(
            new_id(),
            info.round_id,
            entry.racer_id,
            seq=(runs[-1].info.seq + 1) if runs else 1,
            config=self._run_config(track, info),
            car=entry.car,
            model_name=entry.model_name,
            model_meta=cards.run_meta(self, entry.racer_id, entry.model_name),
            clock_id=self.clock_ids.get(track.gate_id, ""),
            track_id=track.track_id,
        )
        self.store.create_run(run_info)
        run_log = RunLog(run_info.config)
        self.runs[run_info.run_id] = RunRecord(run_info, run_log, run_state(run_log))
        self.round_changed(info.round_id)
        track.current_run_id = run_info.run_id
        queue.remove(entry)
        self._save_queue(track, queue)  # also announces the new current run
        self.staged_runs.append(run_info.run_id)
        return run_info.run_id

    def unstage(self, track_id: str | None) -> str:
        """Take the track's staged run off: a run with nothing logged leaves no trace.

        It is deleted from the store, does not count as a run, and its racer goes back to
        the head of the queue (with the car and model it was staged with). The entry id.
        """
        track = self.track(track_id)
        run = self.running_on(track)
        if run is None:
            raise RuleViolation("unstage: no run is staged on this track")
        name = self.racers[run.info.racer_id].alias
        if run.log.entries:
            raise RuleViolation(
                f"unstage: {name}'s run has {len(run.log.entries)} events logged "
                "(a crossing or an action); abort it with a reason instead"
            )
        info = run.info
        self.store.delete_empty_run(info.run_id)
        del self.runs[info.run_id]
        self.round_changed(info.round_id)
        earlier = [r for r in self.round_runs(info.round_id) if self.track_of_run(r) is track]
        track.current_run_id = earlier[-1].info.run_id if earlier else None  # as at start-up
        entry = QueueEntry(
            new_id(), info.round_id, info.racer_id, 0, info.car, info.model_name, track.track_id
        )
        self._save_queue(track, [entry, *self.track_queue(track)])  # announces the track
        self.unstaged_gates.append(track.gate_id)
        return entry.entry_id

    def _run_config(self, track: TrackRecord, round_info: RoundInfo) -> RunConfig:
        """The round's rules, with the gate's own lockout when its settings give one."""
        lockout_s = self.settings.gate_by_id(track.gate_id).lockout_s
        if lockout_s is None:
            return round_info.run_config
        return replace(round_info.run_config, lockout_ns=ns_from_s(lockout_s))

    def apply(self, run_id: str, event: RunEvent) -> int:
        """Record `event` in run `run_id` (rules checked, stored, then shown); its log id."""
        run = self.run(run_id)
        new_log = record(run.log, event, run.state)  # RuleViolation for a staff action
        event_id = new_log.entries[-1].event_id
        new_state = run_state(new_log)
        # durable from here on; the store keeps the laps this fold derived
        self.store.append_event(run_id, event_id, event, new_state.laps)
        was_over = run.state.is_over
        before = self.standings(run.info.round_id)
        run.log = new_log
        run.state = new_state
        self.round_changed(run.info.round_id)
        if run.state.is_over and not was_over:
            self.ended_runs.append(run_id)
        highlights = self._highlights(run, before)
        self.outbox.append(
            TrackChanged(self.track_of_run(run).track_id, "run", event_id, event, tuple(highlights))
        )
        return event_id

    def crossing(self, crossing: Crossing) -> str | None:
        """Route a gate crossing to the run on that gate's track; the run id, or None."""
        run = self._route(crossing)
        if run is None:
            log.warning("crossing on gate %s with no run on track: %s", crossing.gate_id, crossing)
            text = f"crossing on gate {crossing.gate_id} with no run staged" + (
                f" for transponder {crossing.transponder}" if crossing.transponder else ""
            )
            self.outbox.append(Notice("unassigned", text, crossing.gate_id))
            return None
        self.apply(run.info.run_id, GateCrossing(crossing))
        return run.info.run_id

    def _route(self, crossing: Crossing) -> RunRecord | None:
        # A run timed on another clock (before a reboot) never takes a crossing of this one:
        # instants of two boots are not comparable.
        current = [
            self.runs[t.current_run_id]
            for t in self.tracks.values()
            if t.gate_id == crossing.gate_id
            and t.current_run_id
            and not self._clock_changed(t, self.runs[t.current_run_id])
        ]
        if crossing.transponder is not None:
            cars = self._transponder_cars(crossing.gate_id)
            car = cars.get(crossing.transponder, crossing.transponder)
            for run in current:
                if crossing.transponder == run.info.transponder or (car and car == run.info.car):
                    return run
            return None
        return current[0] if current else None

    def _transponder_cars(self, gate_id: str) -> dict[str, str]:
        gate = self.settings.gate_by_id(gate_id)
        return dict(getattr(gate, "transponders", {}))

    def expire(self) -> None:
        """Append `TimeUp` to every running run whose deadline (and grace) has passed."""
        for track in self.tracks.values():
            run = self.runs.get(track.current_run_id or "")
            if run is None or run.state.status is not RunStatus.RUNNING:
                continue
            deadline = run.state.deadline_ns
            if deadline is None:
                continue
            config = run.log.config
            late = 0 if config.expiry is ExpiryPolicy.HARD else config.grace_ns
            if self.now_ns(track) > deadline + late or self._clock_changed(track, run):
                self.apply(run.info.run_id, TimeUp(deadline + late))

    def _clock_changed(self, track: TrackRecord, run: RunRecord) -> bool:
        """Whether the run was timed on another clock (the host rebooted mid-run).

        Instants from two boots cannot be compared, so such a run cannot go on: its time
        is up. Known from the run's recorded clock id, or else from a clock now behind
        the run's start.
        """
        current = self.clock_ids.get(track.gate_id, "")
        if run.info.clock_id and current:
            return run.info.clock_id != current
        return self.now_ns(track) < (run.state.started_ns or 0)

    def _highlights(self, run: RunRecord, before: tuple[Standing, ...]) -> list[str]:
        after = self.standings(run.info.round_id)
        racer_id = run.info.racer_id
        found: list[str] = []
        old = next((s for s in before if s.racer_id == racer_id), None)
        new = next((s for s in after if s.racer_id == racer_id), None)
        if (
            old is not None
            and old.metric is not None
            and new is not None
            and new.metric is not None
            and new.metric.value < old.metric.value
        ):
            found.append("personal_best")
        old_leader = before[0].racer_id if before and before[0].rank == 1 else None
        new_leader = after[0].racer_id if after and after[0].rank == 1 else None
        if new_leader == racer_id and old_leader != racer_id:
            found.append("new_leader")
        return found

    # ---- gates, settings, announcements ---------------------------------------------

    def gate_notice(self, gate_id: str, kind: str, detail: str, t_ns: int) -> None:
        if kind == "off_track":
            self.outbox.append(Notice(kind, detail, gate_id))
            return
        if kind == "started" and self.gates.get(gate_id, GateHealth()).level != "unknown":
            return  # the adapter already reported on itself
        level = NOTICE_LEVELS.get(kind, "warn")
        self.gates[gate_id] = GateHealth(level, kind, detail, t_ns)
        self.outbox.append(GateChanged(gate_id))

    def set_speak(self, speak: bool) -> None:
        self.speak_laps = speak
        self.outbox.append(SettingsChanged())

    def set_sounds(self, changes: Mapping[str, bool]) -> None:
        """Switch race sounds on or off by name (kept until restart, as spoken laps)."""
        unknown = sorted(set(changes) - set(RACE_SOUNDS))
        if unknown:
            raise ActionError(f"sounds: got {unknown}, expected names from {list(RACE_SOUNDS)}")
        self.sounds = {**self.sounds, **changes}
        self.outbox.append(SettingsChanged(("sounds",)))

    def changed(self, track: TrackRecord, why: str) -> None:
        self.outbox.append(TrackChanged(track.track_id, why))

    def program_changed(self, round_id: str, why: str) -> None:
        self.outbox.append(ProgramChanged(round_id, why))

    def save_round(self, info: RoundInfo) -> None:
        """Store a round's new description or state, then hold it."""
        self.store.save_round(info)
        self.rounds[info.round_id] = info
        self.round_changed(info.round_id)

    def is_bracket_round(self, round_id: str) -> bool:
        return self.rounds[round_id].kind == str(RoundKind.BRACKET)


def _joins() -> Joins:
    from lapgate.board.live.joins import Joins

    return Joins()


def clean_alias(alias: object) -> str:
    """A racer alias as typed by staff: trimmed, 1–60 characters, any text (escaped on show)."""
    if not isinstance(alias, str):
        raise ActionError(f"alias: got {type(alias).__name__}, expected a string")
    alias = " ".join(alias.split())
    if not 1 <= len(alias) <= MAX_ALIAS_CHARS:
        raise ActionError(f"alias: got {len(alias)} characters, expected 1–{MAX_ALIAS_CHARS}")
    return alias
