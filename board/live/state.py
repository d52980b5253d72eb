"""The live core's state and its queries: the records `Race` holds, and how to read them.

`RaceState` is the data half of `board.live.race.Race`: the event, its rounds, tracks,
racers, runs, queues and brackets as rebuilt from the store, with the queries every part of
the live core reads them by. The mutations live in `board.live.queues` (racers and queues)
and `board.live.runs` (staging, events, crossings); `Race` puts them together. Instants are
integer nanoseconds on the clock of the track's gate.
"""

from __future__ import annotations

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
    Team,
    new_id,
)
from lapgate.board.live.backlog import CrossingBacklog
from lapgate.board.live.delta import TrackDeltas
from lapgate.board.live.messages import Message, ProgramChanged, TrackChanged
from lapgate.board.store.api import RaceStore
from lapgate.config.settings import Settings
from lapgate.timer.errors import LapgateError
from lapgate.timer.formats import Format, RunLaps
from lapgate.timer.leaderboard import RacerRuns, Standing, leaderboard
from lapgate.timer.rounds import RoundKind, RoundSpec
from lapgate.timer.run import RunLog, RunState

if TYPE_CHECKING:
    from lapgate.board.live.joins import Joins

ClockNs = Callable[[], int]
MAX_ALIAS_CHARS = 60


class ActionError(LapgateError, ValueError):
    """A staff request that cannot be carried out as asked (bad value or wrong moment)."""


class NotFound(LapgateError, LookupError):
    """A request names a track, run, racer, round or queue entry that does not exist."""


class NeedsAnswer(LapgateError, ValueError):
    """A request staff must answer a question about first ("same person?").

    `details` is the question for a page to show (which racers, with their runs); the
    message (a template with `params`, as every lapgate error) says in words how to answer.
    """

    def __init__(self, template: str, details: dict[str, Any], /, **params: object) -> None:
        super().__init__(template, **params)
        self.details = details


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
class RaceState:
    """The whole live event's data, rebuilt from the store by `load` and kept in memory."""

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
    teams: dict[str, Team] = field(default_factory=dict)  # team id → this event's team
    cards: dict[tuple[str, str], ModelCardRecord] = field(default_factory=dict)  # board.live.cards
    joins: Joins = field(default_factory=lambda: _joins())  # board.live.joins
    gates: dict[str, GateHealth] = field(default_factory=dict)
    # the store's own light: red while a write failed or crossings wait (board.live.backlog)
    store_health: GateHealth = field(default_factory=lambda: GateHealth("ok", "", "stored"))
    backlog: CrossingBacklog = field(default_factory=lambda: CrossingBacklog(None))
    lost_crossings: dict[str, int] = field(default_factory=dict)  # gate id → lost, unflagged
    flags_due: list[tuple[str, int, str]] = field(default_factory=list)  # run, at_ns, why
    speak_laps: bool = False
    sounds: dict[str, bool] = field(default_factory=dict)  # race sound → on (big screen)
    outbox: list[Message] = field(default_factory=list)
    derived: dict[tuple[str, str], Any] = field(default_factory=dict)  # see `cached`
    ended_runs: list[str] = field(default_factory=list)  # runs that just ended (gate hook)
    staged_runs: list[str] = field(default_factory=list)  # runs just staged (gate hook)
    unstaged_gates: list[str] = field(default_factory=list)  # gates whose car left (unstage)
    # what the screens were last sent of each track, so a change goes out as a patch
    sent: TrackDeltas = field(default_factory=TrackDeltas)

    # ---- start-up (`board.live.race.Race.load` rebuilds) ------------------------------

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
                "track: got {track_id!r:.60}, expected one of {tracks}",
                track_id=track_id,
                tracks=sorted(self.tracks),
            ) from None

    def round(self, round_id: str) -> RoundInfo:
        try:
            return self.rounds[round_id]
        except KeyError:
            names = [r.name for r in self.ordered_rounds()]
            raise NotFound(
                "round: got {round_id!r:.60}, expected a round id of {names}",
                round_id=round_id,
                names=names,
            ) from None

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
            raise NotFound(
                "run: got {run_id!r:.60}, expected a known run id", run_id=run_id
            ) from None

    def racer(self, racer_id: str) -> Racer:
        try:
            return self.racers[racer_id]
        except KeyError:
            raise NotFound(
                "racer: got {racer_id!r:.60}, expected a known racer id", racer_id=racer_id
            ) from None

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
        raise ActionError(
            "alias: got {type_name}, expected a string", type_name=type(alias).__name__
        )
    alias = " ".join(alias.split())
    if not 1 <= len(alias) <= MAX_ALIAS_CHARS:
        raise ActionError(
            "alias: got {chars} characters, expected 1–{max_chars}",
            chars=len(alias),
            max_chars=MAX_ALIAS_CHARS,
        )
    return alias
