"""Racers and queues on the live core: who waits for a run on which track.

`RaceQueues` adds to `RaceState` the mutations of racers and of the queues (one per track of
the round). Every change is stored first, then held in memory, then announced.
"""

from __future__ import annotations

from dataclasses import replace

from lapgate.board.domain import QueueEntry, Racer, RoundInfo, new_id
from lapgate.board.live.state import (
    ActionError,
    NotFound,
    RaceState,
    RoundStatus,
    TrackRecord,
    clean_alias,
)
from lapgate.timer.errors import RuleViolation


class RaceQueues(RaceState):
    """Racer and queue mutations (mixed into `board.live.race.Race`)."""

    __slots__ = ()

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

    def racers_named(self, alias: str) -> list[Racer]:
        """The racers whose alias is `alias`, case-insensitively (two people may share one)."""
        wanted = alias.casefold()
        return [r for r in self.racers.values() if r.alias.casefold() == wanted]

    def new_racer(self, alias: object) -> Racer:
        """A new racer, even when another already has that alias (a different person)."""
        racer = Racer(new_id(), clean_alias(alias))
        self.store.save_racer(racer)
        self.racers[racer.racer_id] = racer
        return racer

    def open_round_of(self, track: TrackRecord, action: str) -> RoundInfo:
        """The round `track` races now, which must be open for `action`."""
        info = self.rounds.get(track.round_id)
        if info is None:
            raise RuleViolation(
                "{action}: no round is open on track {track_id}; open one from the program on "
                "/control",
                action=action,
                track_id=track.track_id,
            )
        if info.status != RoundStatus.OPEN:
            raise RuleViolation(
                "{action}: {info_name} is {info_status} on track {track_id}; reopen it or open "
                "the next round",
                action=action,
                info_name=info.name,
                info_status=info.status,
                track_id=track.track_id,
            )
        return info

    def queue_add(
        self,
        track_id: str | None,
        racer: Racer,
        car: str = "",
        model: str = "",
        override_reason: str = "",
        raced_by: str | None = None,
    ) -> str:
        """Queue `racer` (a team's entrant with `raced_by`, who drives) on the track's
        round; refused for a racer who is not an entrant."""
        from lapgate.board.live import program

        track = self.track(track_id)
        info = self.open_round_of(track, "queue")
        program.check_entrant(self, info, racer, override_reason)
        queue = self.track_queue(track)
        entry = QueueEntry(
            new_id(),
            info.round_id,
            racer.racer_id,
            len(queue),
            car,
            model,
            track.track_id,
            raced_by,
        )
        self._save_queue(track, [*queue, entry])
        return entry.entry_id

    def queue_move(self, track_id: str | None, entry_id: str, position: int) -> None:
        track = self.track(track_id)
        queue = list(self.track_queue(track))
        entry = self._entry(queue, entry_id)
        if not 0 <= position < len(queue):
            raise ActionError(
                "position: got {position}, expected 0–{last}",
                position=position,
                last=len(queue) - 1,
            )
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
        raise NotFound(
            "queue entry: got {entry_id!r:.60}, expected an entry in the queue", entry_id=entry_id
        )

    def save_queue_of(self, track: TrackRecord, queue: list[QueueEntry]) -> None:
        """Store `track`'s queue as given (entries changed in place, e.g. who drives)."""
        self._save_queue(track, queue)

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
