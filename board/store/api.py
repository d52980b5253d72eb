"""The race store interface: what the engine host needs to persist and to rebuild.

Contract: `append_event` returns only once the event is durable (committed). The engine
host broadcasts an event only after `append_event` returned, so nothing is shown that is
not stored. On start-up the host calls `load_event`, `list_rounds`, `list_runs` and
`load_log` to rebuild every run by replaying its log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, Protocol

from lapgate.board.domain import (
    EventInfo,
    ModelCardRecord,
    QueueEntry,
    Racer,
    RoundInfo,
    RunInfo,
    Team,
)
from lapgate.board.league.model import ImportRow, ImportSummary, Race, RaceMeta, RacerRecord
from lapgate.timer.events import RunEvent
from lapgate.timer.run import Lap, RunLog


class BracketRecord(NamedTuple):
    """A stored bracket: its id, the round its matches are raced in, its JSON document."""

    bracket_id: str
    round_id: str
    payload: dict[str, Any]


class RaceStore(Protocol):
    # event and rounds
    def save_event(self, event: EventInfo) -> None: ...
    def load_event(self, event_id: str) -> EventInfo | None: ...
    def list_events(self) -> list[EventInfo]: ...
    def save_round(self, round_info: RoundInfo) -> None:
        """Insert or update a round of the program, with its kind, status and `state`
        document (kept verbatim; RuleViolation if it is not JSON). A round whose track_id is
        `board.domain.ALL_TRACKS` ("") is raced on all of the event's tracks."""
        ...

    def list_rounds(self, event_id: str) -> list[RoundInfo]:
        """The event's rounds in `seq` order."""
        ...

    # racers
    def save_racer(self, racer: Racer) -> None: ...
    def get_racer(self, racer_id: str) -> Racer | None: ...
    def list_racers(self) -> list[Racer]:
        """The racers not merged into another."""
        ...

    def merge_racers(self, kept_id: str, merged_id: str) -> int:
        """Move racer `merged_id`'s runs, queue entries (and results, aliases, user id) to
        `kept_id`; the merge id for `undo_merge`. RuleViolation for the same racer twice,
        an already merged racer, two user ids or results in the same race."""
        ...

    def undo_merge(self, merge_id: int) -> None:
        """Split a merge: what moved goes back. UnknownEvent if unknown or undone."""
        ...

    def list_merges(self) -> list[tuple[int, str, str, bool]]:
        """(merge id, kept racer id, merged racer id, undone) of every merge."""
        ...

    def delete_racer(self, racer_id: str) -> None:
        """Forget a racer who has nothing stored: no run, queue entry, result or merge.

        UnknownEvent for an unknown racer, RuleViolation (saying what it holds) otherwise.
        """
        ...

    # teams (an entry that is a team: `board.domain.Team`)
    def save_team(self, team: Team) -> None:
        """Insert or update a team with exactly its members; RuleViolation when a member
        is in another team of the same event."""
        ...

    def list_teams(self, event_id: str | None = None) -> list[Team]:
        """The teams of `event_id` (every event's when None), by name."""
        ...

    # runs and their logs
    def create_run(self, run: RunInfo) -> None:
        """Register a run (with the track it is raced on); RuleViolation if its id is taken."""
        ...

    def list_runs(self, round_id: str) -> list[RunInfo]:
        """The round's runs on every track, in `seq` order."""
        ...

    def append_event(
        self, run_id: str, event_id: int, event: RunEvent, laps: tuple[Lap, ...] | None = None
    ) -> None:
        """Persist event `event_id` of run `run_id`; durable when this returns.

        `laps`: the run's laps after this event, when the caller has already folded the log
        (the engine host always has); otherwise a store that keeps laps derives them.
        """
        ...

    def load_log(self, run_id: str) -> RunLog: ...
    def latest_recorded_at(self) -> dt.datetime | None:
        """When (wall clock, naive UTC) the newest run event was stored; None if none was."""
        ...

    def set_run_clock(self, run_id: str, clock_id: str) -> None:
        """Move a run that holds no event yet onto clock `clock_id`."""
        ...

    def delete_empty_run(self, run_id: str) -> None:
        """Forget a run that holds no event yet (a racer unstaged): it leaves no trace.

        UnknownEvent for an unknown run, RuleViolation if it holds any event.
        """
        ...

    # the queues of racers waiting for a run, one per track of the round
    def save_queue(self, round_id: str, entries: list[QueueEntry]) -> None:
        """Replace the round's whole queue: the entries of all its tracks, each keeping its
        track_id and its position (positions count within a track; stored as given)."""
        ...

    def load_queue(self, round_id: str) -> list[QueueEntry]:
        """The round's entries ordered by (track_id, position)."""
        ...

    # head-to-head brackets (the document is `board.brackets_service`'s; durable on return)
    def save_bracket(self, bracket_id: str, round_id: str, payload: dict[str, Any]) -> None: ...
    def load_brackets(self) -> list[BracketRecord]: ...
    def save_model_card(self, card: ModelCardRecord) -> None:
        """Store `card`, replacing the racer's card of the same name (without case)."""
        ...

    def list_model_cards(self) -> list[ModelCardRecord]: ...


class ResultStore(RaceStore, Protocol):
    """The league side (implemented by `board.store.sql.SqlStore`): imported race results,
    racer identity (alias history, user id links, merges with undo) and seasons."""

    def import_race(
        self, meta: RaceMeta, rows: Sequence[ImportRow], source_name: str = ""
    ) -> ImportSummary: ...
    def find_event_id(self, season: str, source_id: str) -> str | None: ...
    def event_meta(self, event_id: str) -> RaceMeta | None: ...
    def list_seasons(self) -> list[str]: ...
    def season_events(self, season: str) -> list[tuple[str, RaceMeta]]: ...
    def imported_races(
        self, season: str, event_ids: Iterable[str] | None = None, details: bool = True
    ) -> list[Race]: ...
    def racer_records(
        self, racer_ids: Iterable[str] | None = None, history: bool = True
    ) -> dict[str, RacerRecord]: ...
    def link_user_id(self, racer_id: str, user_id: str) -> None: ...
