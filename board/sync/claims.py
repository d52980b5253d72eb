"""Owners for records the central league stored before it kept owners (migration 0007).

Such records have no row in `sync_owners`. Left alone, the first timer to send one again
would own it, whichever timer that is, so a record could end up owned by the wrong venue.
Instead the league gives them owners deterministically, from what the records say:

- a run belongs to the timer whose tracks include the run's track (its own, else its
  round's): a timer's id is its tracks' ids joined by "+" (`board.sync.control`);
- a round with a track, likewise; a round raced on all tracks belongs to the owner of its
  first run (by seq);
- an event belongs to the owner of its first round (by seq) that has one;
- a racer belongs to the owner of their first run (event id, round seq, run seq);
- what is still ownerless (a racer without runs, an event without rounds, a track no
  configured timer serves) goes to `fallback` if given (`lapgate league claim --timer X`),
  else stays ownerless until a timer sends it again: the first that does claims it (for a
  run or a round, only a timer that serves its track, `track_may_claim`).

`lapgate league` does the deterministic part when it starts (no fallback), so upgrading the
league needs no manual step; `lapgate league claim` shows and does it on demand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lapgate.board.store.sql import SqlStore
from lapgate.board.store.sync_ledger import SyncLedger


def timer_tracks(timer_id: str) -> set[str]:
    """The track ids a timer serves (its id is their ids joined by "+")."""
    return set(timer_id.split("+"))


def track_may_claim(timer_id: str, track_id: str) -> bool:
    """Whether `timer_id` may become the owner of an ownerless run or round on `track_id`
    (one raced on all tracks, "", may be claimed by any timer of the event)."""
    return not track_id or track_id in timer_tracks(timer_id)


@dataclass
class ClaimPlan:
    """Owners to give: (kind, record id) → timer id; and what stays ownerless."""

    owners: dict[tuple[str, str], str] = field(default_factory=dict)
    ownerless: list[tuple[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for timer_id in self.owners.values():
            counts[timer_id] = counts.get(timer_id, 0) + 1
        return counts


def _by_track(timer_ids: Iterable[str]) -> dict[str, str]:
    """Track id → the one configured timer serving it (a track two timers name: neither)."""
    serving: dict[str, set[str]] = {}
    for timer_id in timer_ids:
        for track_id in timer_tracks(timer_id):
            serving.setdefault(track_id, set()).add(timer_id)
    return {t: next(iter(ids)) for t, ids in serving.items() if len(ids) == 1}


def plan_claims(store: SqlStore, timer_ids: Iterable[str], fallback: str = "") -> ClaimPlan:
    """Who should own each ownerless record (see the module's rules)."""
    ledger = SyncLedger(store)
    by_track = _by_track(timer_ids)
    owned = {kind: ledger.owned(kind) for kind in ("event", "racer", "round", "run")}
    plan = ClaimPlan()

    def give(kind: str, record_id: str, timer_id: str) -> str:
        if record_id in owned[kind]:
            return owned[kind][record_id]
        if timer_id:
            plan.owners[(kind, record_id)] = timer_id
            owned[kind][record_id] = timer_id
        return timer_id

    racer_owner: dict[str, str] = {}
    for event in sorted(store.list_events(), key=lambda e: e.event_id):
        event_owner = ""
        for info in sorted(store.list_rounds(event.event_id), key=lambda r: (r.seq, r.round_id)):
            round_owner = give("round", info.round_id, by_track.get(info.track_id, ""))
            for run in store.list_runs(info.round_id):
                track_id = run.track_id or info.track_id
                run_owner = give("run", run.run_id, by_track.get(track_id, ""))
                if run_owner:
                    racer_owner.setdefault(run.racer_id, run_owner)
                    round_owner = round_owner or give("round", info.round_id, run_owner)
            event_owner = event_owner or round_owner
        give("event", event.event_id, event_owner)
    for racer_id in sorted(store.racer_records(history=False)):
        give("racer", racer_id, racer_owner.get(racer_id, ""))
    for kind, records in _all_ids(store).items():
        for record_id in records:
            if record_id not in owned[kind]:
                if fallback:
                    give(kind, record_id, fallback)
                else:
                    plan.ownerless.append((kind, record_id))
    return plan


def _all_ids(store: SqlStore) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {"event": [], "racer": [], "round": [], "run": []}
    for event in store.list_events():
        ids["event"].append(event.event_id)
        for info in store.list_rounds(event.event_id):
            ids["round"].append(info.round_id)
            ids["run"].extend(run.run_id for run in store.list_runs(info.round_id))
    ids["racer"] = sorted(store.racer_records(history=False))
    return ids


def apply_claims(store: SqlStore, plan: ClaimPlan) -> int:
    """Record the plan's owners (a record claimed meanwhile keeps its owner); how many."""
    ledger = SyncLedger(store)
    claimed = 0
    for (kind, record_id), timer_id in plan.owners.items():
        claimed += ledger.claim(kind, record_id, timer_id) == timer_id
    return claimed
