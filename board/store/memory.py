"""An in-memory RaceStore: tests, and anything that must not touch a disk."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from lapgate.board.domain import (
    EventInfo,
    ModelCardRecord,
    QueueEntry,
    Racer,
    RoundInfo,
    RunInfo,
    Team,
)
from lapgate.board.store.api import BracketRecord
from lapgate.board.store.codec import json_document
from lapgate.board.wallclock import WallClock, utc_now
from lapgate.timer.errors import RuleViolation, UnknownEvent
from lapgate.timer.events import RunEvent
from lapgate.timer.run import Lap, LoggedEvent, RunLog


@dataclass(slots=True)
class _Merge:
    """What one merge moved, for its undo."""

    merge_id: int
    kept_id: str
    merged_id: str
    runs: list[str]
    queue: list[str]
    user_id: str | None
    undone: bool = False


class MemoryStore:
    def __init__(self, wall_clock: WallClock = utc_now) -> None:
        self.wall_clock = wall_clock  # labels run events (see board.wallclock)
        self._latest_recorded_at: dt.datetime | None = None
        self._events: dict[str, EventInfo] = {}
        self._rounds: dict[str, RoundInfo] = {}
        self._racers: dict[str, Racer] = {}
        self._runs: dict[str, RunInfo] = {}
        self._logs: dict[str, list[LoggedEvent]] = {}
        self._queues: dict[str, list[QueueEntry]] = {}
        self._brackets: dict[str, BracketRecord] = {}
        self._merged_into: dict[str, str] = {}  # merged racer id → kept racer id
        self._merges: list[_Merge] = []
        self._teams: dict[str, Team] = {}
        self._cards: dict[tuple[str, str], ModelCardRecord] = {}

    def save_event(self, event: EventInfo) -> None:
        self._events[event.event_id] = event

    def load_event(self, event_id: str) -> EventInfo | None:
        return self._events.get(event_id)

    def list_events(self) -> list[EventInfo]:
        return list(self._events.values())

    def save_round(self, round_info: RoundInfo) -> None:
        state = json_document(round_info.state, f"round {round_info.name!r}: state")
        self._rounds[round_info.round_id] = replace(round_info, state=state)

    def list_rounds(self, event_id: str) -> list[RoundInfo]:
        # each caller gets its own copy of `state`, as from a database
        rounds = [
            replace(r, state=copy.deepcopy(r.state))
            for r in self._rounds.values()
            if r.event_id == event_id
        ]
        return sorted(rounds, key=lambda r: r.seq)

    def save_racer(self, racer: Racer) -> None:
        self._racers[racer.racer_id] = racer

    def get_racer(self, racer_id: str) -> Racer | None:
        return self._racers.get(racer_id)

    def list_racers(self) -> list[Racer]:
        return [r for r in self._racers.values() if r.racer_id not in self._merged_into]

    def merge_racers(self, kept_id: str, merged_id: str) -> int:
        if kept_id == merged_id:
            raise RuleViolation("merge: got the same racer {kept_id!r} twice", kept_id=kept_id)
        kept, merged = self._live_racer(kept_id), self._live_racer(merged_id)
        if kept.user_id and merged.user_id:
            raise RuleViolation(
                "merge: both racers have user ids ({user_id!r}, {other_user_id!r}); "
                "expected at most one",
                user_id=kept.user_id,
                other_user_id=merged.user_id,
            )
        runs = [r.run_id for r in self._runs.values() if r.racer_id == merged_id]
        for run_id in runs:
            self._runs[run_id] = replace(self._runs[run_id], racer_id=kept_id)
        queue: list[str] = []
        for round_id, entries in self._queues.items():
            queue += [e.entry_id for e in entries if e.racer_id == merged_id]
            self._queues[round_id] = [
                replace(e, racer_id=kept_id) if e.racer_id == merged_id else e for e in entries
            ]
        user_id = merged.user_id if not kept.user_id else None
        if user_id:
            self._racers[merged_id] = replace(merged, user_id=None)
            self._racers[kept_id] = replace(kept, user_id=user_id)
        self._merged_into[merged_id] = kept_id
        self._merges.append(_Merge(len(self._merges) + 1, kept_id, merged_id, runs, queue, user_id))
        return len(self._merges)

    def undo_merge(self, merge_id: int) -> None:
        if not 1 <= merge_id <= len(self._merges) or self._merges[merge_id - 1].undone:
            raise UnknownEvent(
                "merge id: got {merge_id}, expected a merge not yet undone", merge_id=merge_id
            )
        merge = self._merges[merge_id - 1]
        back = merge.merged_id
        for run_id in merge.runs:
            if run_id in self._runs:
                self._runs[run_id] = replace(self._runs[run_id], racer_id=back)
        for round_id, entries in self._queues.items():
            self._queues[round_id] = [
                replace(e, racer_id=back) if e.entry_id in merge.queue else e for e in entries
            ]
        if merge.user_id:
            self._racers[merge.kept_id] = replace(self._racers[merge.kept_id], user_id=None)
            self._racers[back] = replace(self._racers[back], user_id=merge.user_id)
        del self._merged_into[back]
        merge.undone = True

    def list_merges(self) -> list[tuple[int, str, str, bool]]:
        return [(m.merge_id, m.kept_id, m.merged_id, m.undone) for m in self._merges]

    def delete_racer(self, racer_id: str) -> None:
        racer = self._live_racer(racer_id)
        runs = sum(1 for r in self._runs.values() if r.racer_id == racer_id)
        queued = sum(1 for q in self._queues.values() for e in q if e.racer_id == racer_id)
        merges = sum(1 for m in self._merges if racer_id in (m.kept_id, m.merged_id))
        if runs or queued or merges:
            raise RuleViolation(
                "delete racer {alias!r}: has {runs} run(s), {queued} queue entry(s) and {merges} "
                "merge(s) stored; expected a racer with nothing stored",
                alias=racer.alias,
                runs=runs,
                queued=queued,
                merges=merges,
            )
        del self._racers[racer_id]

    def _live_racer(self, racer_id: str) -> Racer:
        racer = self._racers.get(racer_id)
        if racer is None:
            raise UnknownEvent(
                "racer id: got {racer_id!r}, expected a known racer", racer_id=racer_id
            )
        if racer_id in self._merged_into:
            raise RuleViolation(
                "racer {racer_id!r} was merged into {merged_into!r}",
                racer_id=racer_id,
                merged_into=self._merged_into[racer_id],
            )
        return racer

    def create_run(self, run: RunInfo) -> None:
        if run.run_id in self._runs:
            raise RuleViolation("run id: got {run_id!r}, expected a new id", run_id=run.run_id)
        self._runs[run.run_id] = run
        self._logs[run.run_id] = []

    def list_runs(self, round_id: str) -> list[RunInfo]:
        runs = [r for r in self._runs.values() if r.round_id == round_id]
        return sorted(runs, key=lambda r: r.seq)

    def append_event(
        self, run_id: str, event_id: int, event: RunEvent, laps: tuple[Lap, ...] | None = None
    ) -> None:
        log = self._log(run_id)
        if event_id != len(log) + 1:
            raise RuleViolation(
                "event id for run {run_id}: got {event_id}, expected {expected}",
                run_id=run_id,
                event_id=event_id,
                expected=len(log) + 1,
            )
        log.append(LoggedEvent(event_id, event))
        recorded_at = self.wall_clock()
        if self._latest_recorded_at is None or recorded_at > self._latest_recorded_at:
            self._latest_recorded_at = recorded_at

    def latest_recorded_at(self) -> dt.datetime | None:
        return self._latest_recorded_at

    def load_log(self, run_id: str) -> RunLog:
        return RunLog(self._runs[run_id].config, tuple(self._log(run_id)))

    def set_run_clock(self, run_id: str, clock_id: str) -> None:
        if self._log(run_id):
            raise RuleViolation("run {run_id}: has events; its clock cannot change", run_id=run_id)
        self._runs[run_id] = replace(self._runs[run_id], clock_id=clock_id)

    def delete_empty_run(self, run_id: str) -> None:
        held = len(self._log(run_id))  # UnknownEvent for an unknown run
        if held:
            raise RuleViolation(
                "run {run_id}: has {held} events; it cannot be deleted", run_id=run_id, held=held
            )
        del self._runs[run_id]
        del self._logs[run_id]

    def save_queue(self, round_id: str, entries: list[QueueEntry]) -> None:
        self._queues[round_id] = [replace(e, round_id=round_id) for e in entries]

    def load_queue(self, round_id: str) -> list[QueueEntry]:
        entries = self._queues.get(round_id, [])
        return sorted(entries, key=lambda e: (e.track_id, e.position, e.entry_id))

    def save_team(self, team: Team) -> None:
        for other in self._teams.values():
            same_event = other.event_id == team.event_id and other.team_id != team.team_id
            if same_event and set(other.members) & set(team.members):
                raise RuleViolation(
                    "team {team_name!r}: a member already races for team {other_name!r}",
                    team_name=team.name,
                    other_name=other.name,
                )
        self._teams[team.team_id] = team

    def list_teams(self, event_id: str | None = None) -> list[Team]:
        teams = [t for t in self._teams.values() if event_id in (None, t.event_id)]
        return sorted(teams, key=lambda t: (t.name, t.team_id))

    def save_bracket(self, bracket_id: str, round_id: str, payload: dict[str, Any]) -> None:
        if round_id not in self._rounds:
            raise UnknownEvent(
                "bracket {bracket_id}: round id {round_id!r} is not stored",
                bracket_id=bracket_id,
                round_id=round_id,
            )
        self._brackets[bracket_id] = BracketRecord(bracket_id, round_id, copy.deepcopy(payload))

    def load_brackets(self) -> list[BracketRecord]:
        return [
            BracketRecord(b.bracket_id, b.round_id, copy.deepcopy(b.payload))
            for b in self._brackets.values()
        ]

    def save_model_card(self, card: ModelCardRecord) -> None:
        if card.racer_id not in self._racers:
            raise UnknownEvent(
                "model card {card_name!r}: racer id {racer_id!r} is unknown",
                card_name=card.name,
                racer_id=card.racer_id,
            )
        self._cards[(card.racer_id, card.name.casefold())] = replace(
            card, document=copy.deepcopy(card.document)
        )

    def list_model_cards(self) -> list[ModelCardRecord]:
        return [replace(c, document=copy.deepcopy(c.document)) for c in self._cards.values()]

    def _log(self, run_id: str) -> list[LoggedEvent]:
        try:
            return self._logs[run_id]
        except KeyError:
            raise UnknownEvent(
                "run id: got {run_id!r}, expected a known run", run_id=run_id
            ) from None
