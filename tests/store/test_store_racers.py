"""Racer identity across imports: alias history, user id links, merges with undo;
idempotent re-imports."""

from __future__ import annotations

import pytest

from lapgate.board.league.imports import parse_results
from lapgate.board.league.model import RaceMeta
from lapgate.board.league.standings import compute_standings
from lapgate.board.league.summit import season_races
from lapgate.board.store.sql import SqlStore
from lapgate.timer.errors import RuleViolation, UnknownEvent


def meta(source: str, day_ms: int) -> RaceMeta:
    return RaceMeta("S", f"Race {source}", source, launch_time_ms=day_ms)


def rows(text: str):  # type: ignore[no-untyped-def]
    return parse_results("Rank,Alias,UserId,RankingScore\n" + text, "t.csv").rows


def by_alias(store: SqlStore) -> dict[str, str]:
    return {r.alias: r.racer_id for r in store.racer_records().values() if not r.merged_into}


def test_reimport_is_idempotent(store: SqlStore) -> None:
    first = store.import_race(meta("r1", 1), rows("1,Ada,u1,100\n2,Bob,,200\n"))
    before = compute_standings(season_races(store, "S"), "community")
    again = store.import_race(meta("r1", 1), rows("1,Ada,u1,100\n2,Bob,,200\n"))
    assert (first.imported, first.new_racers, first.replaced) == (2, 2, 0)
    assert (again.imported, again.new_racers, again.replaced) == (2, 0, 2)
    assert compute_standings(season_races(store, "S"), "community") == before
    assert len(season_races(store, "S")) == 1
    assert len(store.racer_records()) == 2


def test_duplicate_racer_in_one_file_is_a_reported_problem(store: SqlStore) -> None:
    summary = store.import_race(meta("r1", 1), rows("1,Ada,u1,100\n2,Ada2,u1,200\n"), "d.csv")
    assert summary.imported == 1
    assert [str(p) for p in summary.problems] == ["d.csv:3: user id 'u1' repeats line 2"]


def test_alias_history_keeps_the_latest_alias(store: SqlStore) -> None:
    store.import_race(meta("new", 2000), rows("1,Ada-2024,u1,100\n"))
    store.import_race(meta("old", 1000), rows("1,Ada-old,u1,100\n"))
    [record] = store.racer_records().values()
    assert record.alias == "Ada-2024"
    assert [a.alias for a in record.aliases] == ["Ada-old", "Ada-2024"]
    store.import_race(meta("newest", 3000), rows("1,Ada-final,u1,100\n"))
    assert next(iter(store.racer_records().values())).alias == "Ada-final"


def test_link_user_id_then_imports_find_the_racer(store: SqlStore) -> None:
    store.import_race(meta("summit", 1), rows("1,Zed,,100\n"))  # a summit racer, no user id
    zed = by_alias(store)["Zed"]
    store.link_user_id(zed, "u-zed")
    store.import_race(meta("virtual", 2), rows("1,Zed-Virtual,u-zed,90\n"))
    assert by_alias(store) == {"Zed-Virtual": zed}
    store.import_race(meta("other", 3), rows("1,Other,u-other,90\n"))
    with pytest.raises(RuleViolation, match="already belongs"):
        store.link_user_id(zed, "u-other")


def test_merge_moves_results_and_undo_splits_them(store: SqlStore) -> None:
    store.import_race(meta("v", 2), rows("1,Ada,u1,100\n2,Bob,u2,200\n"))
    store.import_race(meta("s", 1), rows("1,ada (summit),,150\n2,Bob,,300\n"))
    ids = by_alias(store)
    points = {r.alias: r.points for r in compute_standings(season_races(store, "S"), "aws")}
    assert points["Ada"] == 10 and points["ada (summit)"] == 10
    merge_id = store.merge_racers(ids["Ada"], ids["ada (summit)"])
    merged = {
        r.alias: r
        for r in compute_standings(season_races(store, "S"), "aws", store.racer_records())
    }
    assert merged["Ada"].points == 20 and merged["Ada"].races == 2
    assert "ada (summit)" not in merged
    with pytest.raises(RuleViolation, match="merged into"):
        store.merge_racers(ids["Bob"], ids["ada (summit)"])
    store.undo_merge(merge_id)
    split = {
        r.alias: r.points
        for r in compute_standings(season_races(store, "S"), "aws", store.racer_records())
    }
    assert split == points
    with pytest.raises(UnknownEvent, match="not yet undone"):
        store.undo_merge(merge_id)


def test_merge_refuses_people_who_raced_each_other(store: SqlStore) -> None:
    store.import_race(meta("v", 2), rows("1,Ada,,100\n2,Bob,,200\n"))
    ids = by_alias(store)
    with pytest.raises(RuleViolation, match="both have results"):
        store.merge_racers(ids["Ada"], ids["Bob"])
    with pytest.raises(RuleViolation, match="same racer"):
        store.merge_racers(ids["Ada"], ids["Ada"])


def test_merge_carries_the_user_id_and_undo_returns_it(store: SqlStore) -> None:
    store.import_race(meta("v", 2), rows("1,Ada,u1,100\n"))
    store.import_race(meta("s", 1), rows("1,Ada S,,150\n"))
    ids = by_alias(store)
    merge_id = store.merge_racers(ids["Ada S"], ids["Ada"])
    records = store.racer_records()
    assert records[ids["Ada S"]].user_id == "u1"
    assert records[ids["Ada"]].merged_into == ids["Ada S"]
    store.undo_merge(merge_id)
    records = store.racer_records()
    assert records[ids["Ada"]].user_id == "u1" and records[ids["Ada S"]].user_id is None
