"""Standings schemes on small hand-made seasons (values worked out by hand)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lapgate.board.league.model import Race, RaceMeta, RaceResult, RacerRecord
from lapgate.board.league.standings import aws_points, compute_standings, racer_history


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


def naive_community(races: list[Race]) -> dict[str, Fraction]:
    """The definition, with exact fractions and no shortcuts (times at 1 µs, as documented)."""
    everyone = {r.racer_id for race in races for r in race.results}
    totals = dict.fromkeys(everyone, Fraction(0))
    for race in races:
        times = {
            r.racer_id: None
            if r.ranking_time_ms is None
            else Fraction(round(r.ranking_time_ms * 1000), 1000)
            for r in race.results
        }
        timed = [t for t in times.values() if t is not None]
        mean = sum(timed, Fraction(0)) / len(timed) if timed else Fraction(0)
        for racer in everyone:
            own = times.get(racer)
            totals[racer] -= own if own is not None else mean
    return totals


racer_ids = st.sampled_from("abcdefgh")
results = st.lists(
    st.tuples(racer_ids, st.one_of(st.none(), st.integers(1, 10**6).map(lambda us: us / 1000))),
    max_size=8,
    unique_by=lambda item: item[0],
)


@settings(max_examples=200, deadline=None)
@given(st.lists(results, min_size=1, max_size=6))
def test_community_points_equal_the_definition(
    fields: list[list[tuple[str, float | None]]],
) -> None:
    races = [
        race(f"r{i}", i, [(rid, n, t) for n, (rid, t) in enumerate(field, start=1)])
        for i, field in enumerate(fields)
    ]
    expected = naive_community(races)
    rows = compute_standings(races, "community")
    assert {r.racer_id for r in rows} == set(expected)
    for row in rows:
        shown = expected[row.racer_id] * 1000
        assert row.points * 1000 == pytest.approx(
            float(math.floor(shown + Fraction(1, 2))), abs=1e-6
        )
    keys = [math.floor(expected[r.racer_id] * 1000 + Fraction(1, 2)) for r in rows]
    assert keys == sorted(keys, reverse=True)
