"""The functions the /standings page calls."""

from __future__ import annotations

from lapgate.board.league.imports import parse_results
from lapgate.board.league.model import RaceMeta
from lapgate.board.league.service import racer_season, season_standings, seasons
from lapgate.board.store.sql import SqlStore


def test_search_history_and_seasons(store: SqlStore) -> None:
    header = "Rank,Alias,UserId,RankingScore\n"
    first = parse_results(header + "1,Ada-old,u1,100\n2,Bob,u2,200\n", "a").rows
    second = parse_results(header + "1,Bob,u2,90\n2,Ada,u1,95\n", "b").rows
    store.import_race(RaceMeta("S", "One", "one", launch_time_ms=1), first)
    store.import_race(RaceMeta("S", "Two", "two", launch_time_ms=2), second)
    assert seasons(store) == ["S"]
    rows = season_standings(store, "S", "aws")
    assert [(r.rank, r.alias, r.points) for r in rows] == [(1, "Ada", 19), (1, "Bob", 19)]
    found = season_standings(store, "S", "aws", search="ada-OLD")
    assert [r.alias for r in found] == ["Ada"]
    assert season_standings(store, "S", "aws", search="u2")[0].alias == "Bob"
    history = racer_season(store, "S", found[0].racer_id, "community")
    assert [(h.race, h.alias, h.rank, h.points) for h in history] == [
        ("One", "Ada-old", 1, -100.0),
        ("Two", "Ada", 2, -95.0),
    ]
