"""The racer side of the store: identity, alias history, user id links, merges with undo.

`RacersRepo` is mixed into `SqlStore`. A merge moves the merged racer's results, runs,
queue entries and aliases (and user id, when only it has one), the runs they drove for a
team, the teams they race as and their team memberships to the kept racer and records
exactly what moved, so `undo_merge` can move it all back.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from lapgate.board.league.model import AliasSeen, RacerRecord
from lapgate.board.store.models import (
    AliasRow,
    MergeRow,
    QueueRow,
    RacerRow,
    ResultRow,
    RoundRow,
    RunRow,
    SyncOwnerRow,
    TeamMemberRow,
    TeamRow,
)
from lapgate.board.store.results import ALIASES, RACERS
from lapgate.timer.errors import RuleViolation, UnknownEvent


class RacerOverview(NamedTuple):
    """What staff need to tell two racers apart before merging them: who registered the
    racer (`owner`, the timer that sent it; "" if none) and their runs per track."""

    racer_id: str
    alias: str
    user_id: str | None
    owner: str
    runs_by_track: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "racer_id": self.racer_id,
            "alias": self.alias,
            "user_id": self.user_id,
            "owner": self.owner,
            "runs": sum(self.runs_by_track.values()),
            "runs_by_track": self.runs_by_track,
        }


class MergeInfo(NamedTuple):
    merge_id: int
    kept_id: str
    kept_alias: str
    merged_id: str
    merged_alias: str
    undone: bool

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class RacersRepo:
    """Racer identity; needs `_tx()` from the store."""

    def _tx(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def racer_records(
        self, racer_ids: Iterable[str] | None = None, history: bool = True
    ) -> dict[str, RacerRecord]:
        """Racers (merged ones included) by racer id, with their alias history unless
        `history=False` (standings need none)."""
        racer_cols = (
            RACERS.c.id,
            RACERS.c.alias,
            RACERS.c.user_id,
            RACERS.c.country,
            RACERS.c.region,
            RACERS.c.merged_into_id,
        )
        with self._tx() as s:
            query = select(*racer_cols)
            aliases_query = select(ALIASES.c.racer_id, ALIASES.c.alias, ALIASES.c.seen_ms)
            if racer_ids is not None:
                ids = list(racer_ids)
                query = query.where(RACERS.c.id.in_(ids))
                aliases_query = aliases_query.where(ALIASES.c.racer_id.in_(ids))
            seen: dict[str, list[AliasSeen]] = {}
            if history:
                for racer_id, alias, seen_ms in s.execute(aliases_query):
                    seen.setdefault(racer_id, []).append(AliasSeen(alias, seen_ms))
            return {
                rid: RacerRecord(
                    rid,
                    alias,
                    user_id,
                    country,
                    region,
                    merged,
                    tuple(sorted(seen.get(rid, []), key=lambda a: a.seen_ms)),
                )
                for rid, alias, user_id, country, region, merged in s.execute(query)
            }

    def link_user_id(self, racer_id: str, user_id: str) -> None:
        """Staff link a racer (e.g. a summit racer) to a known user id."""
        with self._tx() as s:
            racer = _live_racer(s, racer_id)
            owner = s.scalar(select(RacerRow).where(RacerRow.user_id == user_id))
            if owner is not None and owner.id != racer_id:
                raise RuleViolation(
                    "user id {user_id!r} already belongs to racer {alias!r} ({owner_id}); "
                    "expected a free user id: merge the two racers instead",
                    user_id=user_id,
                    alias=owner.alias,
                    owner_id=owner.id,
                )
            racer.user_id = user_id

    def merge_racers(self, kept_id: str, merged_id: str) -> int:
        """Merge racer `merged_id` into `kept_id`; returns the merge id for `undo_merge`."""
        if kept_id == merged_id:
            raise RuleViolation("merge: got the same racer {kept_id!r} twice", kept_id=kept_id)
        with self._tx() as s:
            kept, merged = _live_racer(s, kept_id), _live_racer(s, merged_id)
            if kept.user_id and merged.user_id:
                raise RuleViolation(
                    "merge: both racers have user ids ({user_id!r}, {other_user_id!r}); "
                    "expected at most one",
                    user_id=kept.user_id,
                    other_user_id=merged.user_id,
                )
            clash = s.scalar(
                select(func.count())
                .select_from(ResultRow)
                .where(
                    ResultRow.racer_id == merged_id,
                    ResultRow.event_id.in_(
                        select(ResultRow.event_id).where(ResultRow.racer_id == kept_id)
                    ),
                )
            )
            if clash:
                raise RuleViolation(
                    "merge: {alias!r} and {other_alias!r} both have results in {clash} race(s); "
                    "expected different people to be kept apart",
                    alias=kept.alias,
                    other_alias=merged.alias,
                    clash=clash,
                )
            moved = _move_racer_rows(s, merged_id, kept_id)
            if merged.user_id and not kept.user_id:
                moved["user_id"] = merged.user_id
                merged.user_id = None
                s.flush()
                kept.user_id = moved["user_id"]
            merged.merged_into_id = kept_id
            merge = MergeRow(kept_id=kept_id, merged_id=merged_id, moved=moved, undone=False)
            s.add(merge)
            s.flush()
            return merge.id

    def undo_merge(self, merge_id: int) -> None:
        """Split a merge apart again: every moved row goes back to the merged racer."""
        with self._tx() as s:
            merge = s.get(MergeRow, merge_id)
            if merge is None or merge.undone:
                raise UnknownEvent(
                    "merge id: got {merge_id}, expected a merge not yet undone", merge_id=merge_id
                )
            moved = merge.moved
            back = {"racer_id": merge.merged_id}
            for model, key in ((ResultRow, "results"), (AliasRow, "aliases")):
                ids = moved.get(key, [])
                if ids:
                    s.execute(update(model).where(model.id.in_(ids)).values(back))
            for model2, key in ((RunRow, "runs"), (QueueRow, "queue")):
                ids = moved.get(key, [])
                if ids:
                    s.execute(update(model2).where(model2.id.in_(ids)).values(back))
            _set_team_rows(s, moved, merge.merged_id, merge.kept_id)
            kept, merged = s.get(RacerRow, merge.kept_id), s.get(RacerRow, merge.merged_id)
            assert kept is not None and merged is not None
            if moved.get("user_id"):
                kept.user_id = None
                s.flush()
                merged.user_id = moved["user_id"]
            merged.merged_into_id = None
            merge.undone = True

    def find_racers(self, text: str, limit: int = 20) -> list[RacerOverview]:
        """Racers not merged away whose alias, id or user id contains `text` (any case),
        by alias, with their owner and runs per track."""
        needle = text.strip().lower()
        with self._tx() as s:
            query = select(RacerRow).where(RacerRow.merged_into_id.is_(None))
            if needle:
                query = query.where(
                    func.lower(RacerRow.alias).contains(needle, autoescape=True)
                    | func.lower(RacerRow.id).contains(needle, autoescape=True)
                    | func.lower(func.coalesce(RacerRow.user_id, "")).contains(
                        needle, autoescape=True
                    )
                )
            rows = list(s.scalars(query.order_by(RacerRow.alias, RacerRow.id).limit(limit)))
            ids = [r.id for r in rows]
            owners = dict(
                s.execute(
                    select(SyncOwnerRow.record_id, SyncOwnerRow.timer_id).where(
                        SyncOwnerRow.kind == "racer", SyncOwnerRow.record_id.in_(ids)
                    )
                ).all()
            )
            track = func.coalesce(func.nullif(RunRow.track_id, ""), RoundRow.track_id)
            runs: dict[str, dict[str, int]] = {}
            for racer_id, track_id, count in s.execute(
                select(RunRow.racer_id, track, func.count())
                .join(RoundRow, RoundRow.id == RunRow.round_id)
                .where(RunRow.racer_id.in_(ids))
                .group_by(RunRow.racer_id, track)
            ):
                runs.setdefault(racer_id, {})[track_id or ""] = int(count)
            return [
                RacerOverview(r.id, r.alias, r.user_id, owners.get(r.id, ""), runs.get(r.id, {}))
                for r in rows
            ]

    def merge_details(self) -> list[MergeInfo]:
        """Every merge, newest first, with both racers' aliases."""
        with self._tx() as s:
            merges = list(s.scalars(select(MergeRow).order_by(MergeRow.id.desc())))
            ids = {m.kept_id for m in merges} | {m.merged_id for m in merges}
            aliases = dict(
                s.execute(select(RacerRow.id, RacerRow.alias).where(RacerRow.id.in_(ids))).all()
            )
            return [
                MergeInfo(
                    m.id,
                    m.kept_id,
                    aliases.get(m.kept_id, m.kept_id),
                    m.merged_id,
                    aliases.get(m.merged_id, m.merged_id),
                    m.undone,
                )
                for m in merges
            ]

    def live_racer_ids(self) -> dict[str, str]:
        """Each merged-away racer id → the racer it now counts as (merges may chain)."""
        with self._tx() as s:
            merged_into: dict[str, str] = {
                racer_id: target
                for racer_id, target in s.execute(
                    select(RacerRow.id, RacerRow.merged_into_id).where(
                        RacerRow.merged_into_id.is_not(None)
                    )
                )
                if target is not None
            }
        live: dict[str, str] = {}
        for racer_id in merged_into:
            target, seen = racer_id, {racer_id}
            while target in merged_into and merged_into[target] not in seen:
                target = merged_into[target]
                seen.add(target)
            live[racer_id] = target
        return live

    def merge_mark(self) -> tuple[int, int]:
        """(merges, undone merges): changes with every merge and unmerge."""
        with self._tx() as s:
            row = s.execute(
                select(func.count(MergeRow.id), func.count(MergeRow.id).filter(MergeRow.undone))
            ).one()
            return int(row[0]), int(row[1])

    def list_merges(self) -> list[tuple[int, str, str, bool]]:
        """(merge id, kept racer id, merged racer id, undone) of every merge."""
        with self._tx() as s:
            rows = s.scalars(select(MergeRow).order_by(MergeRow.id))
            return [(m.id, m.kept_id, m.merged_id, m.undone) for m in rows]

    def delete_racer(self, racer_id: str) -> None:
        """Forget a racer who has nothing stored (a typo queued and taken off again)."""
        with self._tx() as s:
            racer = _live_racer(s, racer_id)
            held = {
                "run(s)": _count(s, RunRow, RunRow.racer_id == racer_id),
                "queue entry(s)": _count(s, QueueRow, QueueRow.racer_id == racer_id),
                "result(s)": _count(s, ResultRow, ResultRow.racer_id == racer_id),
                "merge(s)": _count(
                    s, MergeRow, (MergeRow.kept_id == racer_id) | (MergeRow.merged_id == racer_id)
                ),
            }
            if any(held.values()):
                what = ", ".join(f"{n} {k}" for k, n in held.items() if n)
                raise RuleViolation(
                    "delete racer {alias!r}: has {what} stored; expected a racer with nothing "
                    "stored (merge them into the right racer instead)",
                    alias=racer.alias,
                    what=what,
                )
            s.execute(delete(AliasRow).where(AliasRow.racer_id == racer_id))
            s.delete(racer)


def _count(s: Session, model: Any, where: Any) -> int:
    return s.scalar(select(func.count()).select_from(model).where(where)) or 0


def _live_racer(s: Session, racer_id: str) -> RacerRow:
    racer = s.get(RacerRow, racer_id)
    if racer is None:
        raise UnknownEvent("racer id: got {racer_id!r}, expected a known racer", racer_id=racer_id)
    if racer.merged_into_id:
        raise RuleViolation(
            "racer {racer_id!r} was merged into {merged_into_id!r}",
            racer_id=racer_id,
            merged_into_id=racer.merged_into_id,
        )
    return racer


def _move_racer_rows(s: Session, from_id: str, to_id: str) -> dict[str, Any]:
    moved: dict[str, Any] = {}
    kept_aliases = set(s.scalars(select(AliasRow.alias).where(AliasRow.racer_id == to_id)))
    alias_ids = [
        a.id
        for a in s.scalars(select(AliasRow).where(AliasRow.racer_id == from_id))
        if a.alias not in kept_aliases
    ]
    moved["aliases"] = alias_ids
    moved["results"] = list(s.scalars(select(ResultRow.id).where(ResultRow.racer_id == from_id)))
    moved["runs"] = list(s.scalars(select(RunRow.id).where(RunRow.racer_id == from_id)))
    moved["queue"] = list(s.scalars(select(QueueRow.id).where(QueueRow.racer_id == from_id)))
    _move_team_rows(s, from_id, to_id, moved)
    to = {"racer_id": to_id}
    if alias_ids:
        s.execute(update(AliasRow).where(AliasRow.id.in_(alias_ids)).values(to))
    if moved["results"]:
        s.execute(update(ResultRow).where(ResultRow.id.in_(moved["results"])).values(to))
    if moved["runs"]:
        s.execute(update(RunRow).where(RunRow.id.in_(moved["runs"])).values(to))
    if moved["queue"]:
        s.execute(update(QueueRow).where(QueueRow.id.in_(moved["queue"])).values(to))
    return moved


def _move_team_rows(s: Session, from_id: str, to_id: str, moved: dict[str, Any]) -> None:
    """Move who drove runs and queue entries, teams raced as, and team memberships (one
    team per racer per event: two memberships in one event refuse the merge)."""
    memberships = list(s.scalars(select(TeamMemberRow).where(TeamMemberRow.racer_id == from_id)))
    kept_events = set(
        s.scalars(select(TeamMemberRow.event_id).where(TeamMemberRow.racer_id == to_id))
    )
    clash = sorted(m.event_id for m in memberships if m.event_id in kept_events)
    if clash:
        raise RuleViolation(
            "merge: both racers are team members in event(s) {clash}; expected one team per "
            "racer per event (take one off its team first)",
            clash=clash,
        )
    moved["raced_runs"] = list(s.scalars(select(RunRow.id).where(RunRow.raced_by_id == from_id)))
    moved["raced_queue"] = list(
        s.scalars(select(QueueRow.id).where(QueueRow.raced_by_id == from_id))
    )
    moved["team_entrants"] = list(
        s.scalars(select(TeamRow.id).where(TeamRow.entrant_id == from_id))
    )
    moved["team_members"] = [m.event_id for m in memberships]
    _set_team_rows(s, moved, to_id, from_id)


def _set_team_rows(s: Session, moved: dict[str, Any], to_id: str, from_id: str) -> None:
    """Point the team rows listed in `moved` (see `_move_team_rows`) at `to_id`."""
    if moved.get("raced_runs"):
        s.execute(
            update(RunRow).where(RunRow.id.in_(moved["raced_runs"])).values(raced_by_id=to_id)
        )
    if moved.get("raced_queue"):
        s.execute(
            update(QueueRow).where(QueueRow.id.in_(moved["raced_queue"])).values(raced_by_id=to_id)
        )
    if moved.get("team_entrants"):
        s.execute(
            update(TeamRow).where(TeamRow.id.in_(moved["team_entrants"])).values(entrant_id=to_id)
        )
    if moved.get("team_members"):
        s.execute(
            update(TeamMemberRow)
            .where(
                TeamMemberRow.racer_id == from_id,
                TeamMemberRow.event_id.in_(moved["team_members"]),
            )
            .values(racer_id=to_id)
        )
