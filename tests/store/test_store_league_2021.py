"""The real 2021 season: every file imports, and both standings schemes match values
computed here straight from the raw CSVs with the csv module (not the code under test)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from store_backends import BACKENDS, make_store_url

from lapgate.board.domain import Racer
from lapgate.board.league.imports import parse_leaderboards, read_results, select_races
from lapgate.board.league.standings import compute_standings
from lapgate.board.league.summit import season_races
from lapgate.board.store.sql import SqlStore

SEASON = "2021"


def race_files(data: Path) -> list[tuple[dict[str, str], Path]]:
    with (data / "leaderboards.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    found = []
    for row in rows:
        path = data / "2021" / f"{row['Arn'].rsplit('/', 1)[1]}.csv"
        if path.exists():
            found.append((row, path))
    return found


def raw_time(row: dict[str, str]) -> Fraction | None:
    """The ranking time as the league means it: none for a racer without a lap."""
    if row["LapCount"] == "0" or float(row["RankingScore"]) > 1e15:
        return None
    return Fraction(row["RankingScore"])


@pytest.fixture(scope="module", params=BACKENDS)
def season_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, race_data: Path
) -> Iterator[SqlStore]:
    folder = tmp_path_factory.mktemp("season")
    urls = make_store_url(request.param, folder, request)
    store = SqlStore(next(urls))
    text = (race_data / "leaderboards.csv").read_text(encoding="utf-8")
    races, problems = parse_leaderboards(text, "leaderboards.csv")
    assert problems == []
    chosen = select_races(races, "", lambda rid: (race_data / "2021" / f"{rid}.csv").exists())
    for race in chosen:
        parsed = read_results(race_data / "2021" / f"{race.race_id}.csv")
        store.import_race(race.meta(SEASON), parsed.rows)
    yield store
    store.close()
    for _ in urls:
        pass


def test_every_2021_file_imports_completely(race_data: Path, season_store: SqlStore) -> None:
    files = race_files(race_data)
    assert len(files) == len(list((race_data / "2021").glob("*.csv"))) == 25
    races = {race.meta.source_id: race for race in season_store.imported_races(SEASON)}
    for row, path in files:
        with path.open(newline="") as handle:
            raw = list(csv.DictReader(handle))
        parsed = read_results(path)
        assert parsed.problems == ()
        race = races[path.stem]
        assert len(race.results) == len(raw), path.name
        assert race.meta.race_type == row["RaceType"]
        assert {r.user_id for r in race.results} == {r["UserId"] for r in raw}


def expected_standings(data: Path) -> tuple[dict[str, int], dict[str, Fraction], dict[str, int]]:
    """AWS points, community points and race counts by user id, from the raw files."""
    aws: dict[str, int] = {}
    times: list[dict[str, Fraction | None]] = []
    races: dict[str, int] = {}
    for _, path in race_files(data):
        with path.open(newline="") as handle:
            raw = list(csv.DictReader(handle))
        race_times: dict[str, Fraction | None] = {}
        for row in raw:
            user, rank = row["UserId"], int(row["Rank"])
            aws[user] = aws.get(user, 0) + (11 - rank if rank <= 9 else 1)
            races[user] = races.get(user, 0) + 1
            race_times[user] = raw_time(row)
        times.append(race_times)
    community: dict[str, Fraction] = {user: Fraction(0) for user in aws}
    for race_times in times:
        timed = [t for t in race_times.values() if t is not None]
        mean = sum(timed, Fraction(0)) / len(timed)
        for user in community:
            own = race_times.get(user)
            community[user] -= own if own is not None else mean
    return aws, community, races


def competition_ranks(points: dict[str, Fraction | int]) -> dict[str, int]:
    ordered = sorted(points.values(), reverse=True)
    first = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {user: first[value] for user, value in points.items()}


def test_2021_aws_points_match_raw_files(race_data: Path, season_store: SqlStore) -> None:
    aws, _, races = expected_standings(race_data)
    rows = compute_standings(season_races(season_store, SEASON), "aws")
    assert len(rows) == len(aws) > 7000
    got = {row.user_id: row for row in rows}
    ranks = competition_ranks(dict(aws))
    for user, points in aws.items():
        assert got[user].points == points, user
        assert got[user].races == races[user]
        assert got[user].rank == ranks[user]
    top = rows[0]
    assert (top.alias, top.points) == ("JJ", 99)  # JJ won most 2021 Pro races


def test_2021_community_points_match_raw_files(race_data: Path, season_store: SqlStore) -> None:
    _, community, _ = expected_standings(race_data)
    rows = compute_standings(season_races(season_store, SEASON), "community")
    got = {row.user_id: row for row in rows}
    assert set(got) == set(community)
    for user, points in community.items():
        assert got[user].points == pytest.approx(float(points), abs=0.0011), user
    shown = {user: round(points * 1000) for user, points in community.items()}
    ranks = competition_ranks(dict(shown))
    assert all(got[user].rank == ranks[user] for user in community)
    assert [row.rank for row in rows] == sorted(row.rank for row in rows)


def test_alias_is_the_latest_seen(race_data: Path, season_store: SqlStore) -> None:
    latest: dict[str, tuple[int, set[str]]] = {}
    for meta, path in race_files(race_data):
        launch = int(meta["LaunchTime"])
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                at, aliases = latest.get(row["UserId"], (-1, set()))
                if launch > at:
                    latest[row["UserId"]] = (launch, {row["Alias"]})
                elif launch == at:
                    aliases.add(row["Alias"])
    records = season_store.racer_records()
    by_user = {r.user_id: r for r in records.values()}
    checked = 0
    for user, (_, aliases) in latest.items():
        if len(aliases) == 1:
            assert by_user[user].alias == next(iter(aliases))
            checked += 1
    assert checked > 7000


def test_regional_standings_rank_the_region_only(season_store: SqlStore) -> None:
    records = season_store.racer_records()
    by_alias = {r.alias: r for r in records.values()}
    for alias, country in (("JJ", "US"), ("Karl-NAB", "CA"), ("rosscomp1", "GB")):
        r = by_alias[alias]
        season_store.save_racer(Racer(r.racer_id, r.alias, r.user_id, country))
    races = season_races(season_store, SEASON)
    records = season_store.racer_records()
    glob = {row.racer_id: row for row in compute_standings(races, "aws", records)}
    na = compute_standings(races, "aws", records, region="NA")
    assert [row.alias for row in na] == ["JJ", "Karl-NAB"]
    assert [row.rank for row in na] == [1, 2]
    assert all(row.points == glob[row.racer_id].points for row in na)
    emea = compute_standings(races, "community", records, region="emea")
    assert [row.alias for row in emea] == ["rosscomp1"]


def test_2021_prizes_through_the_store(race_data: Path, season_store: SqlStore) -> None:
    from lapgate.board.league.prizes import estimate_prizes, load_rules

    rules = load_rules(Path(__file__).resolve().parents[2] / "config/examples/prizes-2021.toml")
    estimate = estimate_prizes(rules, season_races(season_store, SEASON))
    finales = {}
    for meta, path in race_files(race_data):
        if meta["RaceType"] == "OBJECT_AVOIDANCE":
            with path.open(newline="") as handle:
                ranked = sorted(csv.DictReader(handle), key=lambda r: int(r["Rank"]))
            finales[meta["Name"].split()[0]] = [r["UserId"] for r in ranked]
    seated: set[str] = set()
    for month in ("March", "April", "May", "June", "July", "August", "September", "October"):
        expected = [u for u in finales[month] if u not in seated][:3]
        seated.update(expected)
        got = [a.user_id for a in estimate.awards if a.rule.startswith(f"{month} finale")]
        assert got == expected, month
    assert len(estimate.by_prize("car")) == 80
