"""What league staff see before merging (search by name, id or user id; owner; runs per
track), and the marks that let league views follow merges (SQLite and PostgreSQL)."""

from __future__ import annotations

from lapgate.board.domain import EventInfo, Racer, RoundInfo, RunInfo
from lapgate.board.store.sql import SqlStore
from lapgate.board.store.sync_ledger import SyncLedger
from lapgate.timer.formats import Format
from lapgate.timer.run import RunConfig

CONFIG = RunConfig(time_limit_ns=120_000_000_000)


def seeded(store: SqlStore) -> None:
    store.save_event(EventInfo("ev", "2026", "Summit"))
    for track in ("track-a", "track-b"):
        store.save_round(RoundInfo(f"round-{track}", "ev", track, track, 1, Format(), CONFIG))
    store.save_racer(Racer("ada-a", "Ada Lovelace", user_id="u-ada"))
    store.save_racer(Racer("ada-b", "ada lovelace"))
    store.save_racer(Racer("pct", "100% Speed_Demon"))
    store.save_racer(Racer("spd", "Speedy"))
    runs = [("ada-a", "track-a", ""), ("ada-b", "track-b", ""), ("ada-b", "track-b", "track-a")]
    for n, (racer_id, track, raced_on) in enumerate(runs):
        store.create_run(
            RunInfo(f"run{n}", f"round-{track}", racer_id, n + 1, CONFIG, track_id=raced_on)
        )
    SyncLedger(store).claim("racer", "ada-a", "track-a")


def test_find_racers_by_name_id_or_user_id(store: SqlStore) -> None:
    seeded(store)
    found = {r.racer_id: r for r in store.find_racers("ADA LOV")}
    assert set(found) == {"ada-a", "ada-b"}
    assert found["ada-a"].owner == "track-a" and found["ada-b"].owner == ""
    assert found["ada-a"].runs_by_track == {"track-a": 1}
    assert found["ada-b"].runs_by_track == {"track-b": 1, "track-a": 1}  # a run's own track
    assert [r.racer_id for r in store.find_racers("u-ada")] == ["ada-a"]
    assert [r.racer_id for r in store.find_racers("0%")] == ["pct"]  # no LIKE wildcards
    assert [r.racer_id for r in store.find_racers("spe_d")] == []  # _ is no wildcard
    assert [r.racer_id for r in store.find_racers("spd")] == ["spd"]
    assert len(store.find_racers("", limit=2)) == 2


def test_merges_are_followed_and_listed(store: SqlStore) -> None:
    seeded(store)
    assert store.merge_mark() == (0, 0) and store.live_racer_ids() == {}
    first = store.merge_racers("ada-a", "ada-b")
    second = store.merge_racers("spd", "pct")
    assert store.live_racer_ids() == {"ada-b": "ada-a", "pct": "spd"}
    assert [r.racer_id for r in store.find_racers("ada")] == ["ada-a"]
    assert store.find_racers("ada")[0].runs_by_track == {"track-a": 2, "track-b": 1}
    store.undo_merge(first)
    assert store.merge_mark() == (2, 1)
    assert store.live_racer_ids() == {"pct": "spd"}
    details = store.merge_details()
    assert [(m.merge_id, m.undone) for m in details] == [(second, False), (first, True)]
    assert details[1].merged_alias == "ada lovelace"
