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

The class is assembled from cohesive parts: `board.live.state` (the data and its
queries), `board.live.queues` (racers and queues), `board.live.runs` (staging, events,
crossings); this module adds the gates and settings. Its public names stay importable
from here.
"""

from __future__ import annotations

from collections.abc import Mapping

from lapgate.board.live.messages import GateChanged, Notice, SettingsChanged
from lapgate.board.live.runs import RaceRuns
from lapgate.board.live.state import (
    MAX_ALIAS_CHARS,
    NOTICE_LEVELS,
    ActionError,
    ClockNs,
    GateHealth,
    NeedsAnswer,
    NotFound,
    RaceState,
    RoundStatus,
    RunRecord,
    TrackRecord,
    clean_alias,
)
from lapgate.config.settings import RACE_SOUNDS
from lapgate.timer.run import run_state

__all__ = [
    "MAX_ALIAS_CHARS",
    "NOTICE_LEVELS",
    "ActionError",
    "ClockNs",
    "GateHealth",
    "NeedsAnswer",
    "NotFound",
    "Race",
    "RaceState",
    "RoundStatus",
    "RunRecord",
    "TrackRecord",
    "clean_alias",
]


class Race(RaceRuns):
    """The whole live event, rebuilt from the store by `load` and kept in memory."""

    __slots__ = ()

    def load(self) -> None:
        """Rebuild everything from the store; the program's rounds are created on first use."""
        from lapgate.board.live import backlog, brackets, cards, joins, program

        self.speak_laps = self.settings.board.speak_laps
        self.sounds = {name: name in self.settings.board.sounds for name in RACE_SOUNDS}
        self.gates = {gate.id: GateHealth() for gate in self.settings.gate}
        self.event = self._load_or_create_event()
        self.tracks = {t.id: TrackRecord(t.id, t.name, t.gate) for t in self.settings.track}
        self.racers = {r.racer_id: r for r in self.store.list_racers()}
        self.teams = {t.team_id: t for t in self.store.list_teams(self.event.event_id)}
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
        backlog.load(self)

    def run_corrected(self, run: RunRecord) -> None:
        from lapgate.board.live import brackets

        brackets.check_decided(self, run)

    # ---- gates, settings, announcements ---------------------------------------------

    def gate_notice(
        self, gate_id: str, kind: str, detail: str, t_ns: int, subject: str = ""
    ) -> None:
        """A gate adapter's notice; `subject`: the sensor, link or car it is about."""
        if kind == "off_track":  # `subject` is the car
            self.outbox.append(Notice(kind, detail, gate_id, kind, (("car", subject),)))
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
            raise ActionError(
                "sounds: got {unknown}, expected names from {sounds}",
                unknown=unknown,
                sounds=list(RACE_SOUNDS),
            )
        self.sounds = {**self.sounds, **changes}
        self.outbox.append(SettingsChanged(("sounds",)))
