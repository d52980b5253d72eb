"""Standings schemes on small hand-made seasons (values worked out by hand)."""

from __future__ import annotations

from board.league.model import Race, RaceMeta, RaceResult, RacerRecord
from board.league.standings import aws_points, compute_standings, racer_history


def race(event_id: str, day: int, results: list[tuple[str, int | None, float | None]]) -> Race:
    meta = RaceMeta("S", f"Race {event_id}", event_id, launch_time_ms=day)
    rows = tuple(RaceResult(rid, rid.upper(), None, rank, time) for rid, rank, time in results)
    return Race(event_id, meta, rows)


def test_aws_points_table() -> None:
    assert [aws_points(rank) for rank in range(1, 13)] == [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 1]
    assert aws_points(None) == 0
    assert aws_points(3000) == 1


def test_aws_points_sum_and_shared_ranks() -> None:
    races = [
        race("r1", 1, [("a", 1, 10.0), ("b", 2, 11.0), ("c", 3, 12.0)]),
        race("r2", 2, [("b", 1, 20.0), ("a", 2, 21.0), ("d", None, None)]),
    ]
    rows = compute_standings(races, "aws")
    assert [(r.rank, r.alias, r.points, r.races) for r in rows] == [
        (1, "A", 19, 2),
        (1, "B", 19, 2),
        (3, "C", 8, 1),
        (4, "D", 0, 1),
    ]
    assert rows[0].as_json() == {"rank": 1, "alias": "A", "user_id": None, "points": 19, "races": 2}


def test_community_points_charge_absent_racers_the_race_mean() -> None:
    races = [
        race("r1", 1, [("a", 1, 100.0), ("b", 2, 200.0)]),  # mean 150
        race("r2", 2, [("a", 1, 1000.0), ("c", 2, 1001.0), ("d", 3, None)]),  # mean 1000.5
    ]
    rows = {r.alias: r for r in compute_standings(races, "community")}
    assert rows["A"].points == -1100
    assert rows["B"].points == -1200.5  # −200 − 1000.5
    assert rows["C"].points == -1151  # −150 − 1001
    assert rows["D"].points == -1150.5  # no time: −1000.5 there, −150 absent
    ordered = compute_standings(races, "community")
    assert [r.alias for r in ordered] == ["A", "D", "C", "B"]


def test_community_means_are_exact_fractions() -> None:
    races = [
        race("r1", 1, [("a", 1, 1.0), ("b", 2, 1.0), ("c", 3, 2.0)]),  # mean 4/3
        race("r2", 2, [("d", 1, 1.0)]),
    ]
    rows = {r.alias: r for r in compute_standings(races, "community")}
    assert rows["D"].points == -2.333  # −(1 + 4/3), shown to a thousandth
    assert rows["A"].points == rows["B"].points == -2  # −1 − 1 (exact, so a shared rank)
    assert rows["A"].rank == rows["B"].rank == 1


def test_region_filter_and_current_alias_from_records() -> None:
    races = [race("r1", 1, [("a", 1, 10.0), ("b", 2, 11.0), ("c", 3, 12.0)])]
    records = {
        "a": RacerRecord("a", "Ada Now", "u-a", "DE", "", None),
        "b": RacerRecord("b", "Bob", None, "US", "", None),
        "c": RacerRecord("c", "Cy", None, "XX", "EMEA", None),  # staff-set region wins
    }
    emea = compute_standings(races, "aws", records, region="EMEA")
    assert [(r.rank, r.alias, r.user_id, r.points) for r in emea] == [
        (1, "Ada Now", "u-a", 10),
        (2, "Cy", None, 8),
    ]
    assert [r.alias for r in compute_standings(races, "aws", records, region="NA")] == ["Bob"]


def test_racer_history_lists_each_race_with_its_points() -> None:
    races = [
        race("r2", 2, [("a", 12, 30.0)]),
        race("r1", 1, [("a", 1, 10.0), ("b", 2, 20.0)]),
    ]
    history = racer_history(races, "a", "aws")
    assert [(h.event_id, h.rank, h.points) for h in history] == [("r1", 1, 10.0), ("r2", 12, 1.0)]
    community = racer_history(races, "b", "community")
    assert [h.points for h in community] == [-20.0]
