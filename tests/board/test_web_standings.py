"""The /standings page and its JSON, on a SQLite store with two imported races.

Expected points are worked out by hand from the table in standings_support.RACES:
AWS: Ann 10, Ben 9 + 10 = 19, the markup-named racer 8, Cat 9.
Community: means 11,000 ms (March) and 9,250 ms (April); Ann −10,000 − 9,250 = −19,250;
Ben −11,000 − 9,000 = −20,000; Cat −11,000 − 9,500 = −20,500; markup −12,000 − 9,250 = −21,250.
"""

from __future__ import annotations

from typing import Any

from brackets_support import XSS_NAME
from standings_support import SEASON, LeagueBoard, league
from web_support import Board

__all__ = ["league"]


def _get(league: LeagueBoard, path: str) -> Any:
    return league.app.test_client().get(path)


def test_page_renders_with_navigation(league: LeagueBoard) -> None:
    response = _get(league, "/standings")
    assert response.status_code == 200
    assert b'id="st-rows"' in response.data and b"js/standings.js" in response.data
    assert b'href="/m/brackets"' in response.data and b'href="/standings"' in response.data


def test_aws_points(league: LeagueBoard) -> None:
    body = _get(league, f"/api/standings?season={SEASON}&scheme=aws").json
    assert (body["season"], body["scheme"], body["total"]) == (SEASON, "aws", 4)
    assert SEASON in body["seasons"]
    table = [(r["rank"], r["alias"], r["points"], r["races"]) for r in body["rows"]]
    assert table == [(1, "Ben", 19, 2), (2, "Ann", 10, 1), (3, "Cat", 9, 1), (4, XSS_NAME, 8, 1)]
    assert body["rows"][0]["user_id"] == "u-ben" and body["rows"][0]["region"] == "NA"
    assert body["regions"] == ["APAC", "EMEA", "NA"]


def test_community_points(league: LeagueBoard) -> None:
    body = _get(league, f"/api/standings?season={SEASON}&scheme=community").json
    table = [(r["rank"], r["alias"], r["points"]) for r in body["rows"]]
    assert table == [
        (1, "Ann", -19250),
        (2, "Ben", -20000),
        (3, "Cat", -20500),
        (4, XSS_NAME, -21250),
    ]


def test_region_search_and_paging(league: LeagueBoard) -> None:
    emea = _get(league, f"/api/standings?season={SEASON}&region=EMEA").json
    assert [(r["rank"], r["alias"]) for r in emea["rows"]] == [(1, "Ann"), (2, "Cat")]
    found = _get(league, f"/api/standings?season={SEASON}&q=u-CA").json
    assert [(r["rank"], r["alias"]) for r in found["rows"]] == [(3, "Cat")]  # season rank kept
    page = _get(league, f"/api/standings?season={SEASON}&limit=2&offset=1").json
    assert [r["alias"] for r in page["rows"]] == ["Ann", "Cat"] and page["total"] == 4


def test_racer_history(league: LeagueBoard) -> None:
    ben = league.racer_id("u-ben")
    aws = _get(league, f"/api/standings/racers/{ben}?season={SEASON}").json
    assert aws["alias"] == "Ben" and aws["user_id"] == "u-ben"
    assert [(r["race"], r["rank"], r["ranking_time_ms"], r["points"]) for r in aws["races"]] == [
        ("March Qualifier", 2, 11000.0, 9),
        ("April Qualifier", 1, 9000.0, 10),
    ]
    community = _get(league, f"/api/standings/racers/{ben}?season={SEASON}&scheme=community")
    assert [r["points"] for r in community.json["races"]] == [-11000, -9000]


def test_default_season_is_the_events(league: LeagueBoard) -> None:
    body = _get(league, "/api/standings").json
    assert body["season"] == "2026"  # the board's own event; nothing raced yet
    assert body["rows"] == [] and body["total"] == 0


BAD = [
    ("/api/standings?scheme=fastest", 400, "scheme: got 'fastest'"),
    ("/api/standings?season=1999", 404, "season: got '1999'"),
    ("/api/standings?limit=0", 400, "limit: got '0'"),
    ("/api/standings?limit=lots", 400, "limit: got 'lots'"),
    ("/api/standings?offset=-1", 400, "offset: got '-1'"),
    ("/api/standings?q=" + "x" * 101, 400, "q: got 101 characters"),
    ("/api/standings/racers/nobody?season=2021", 404, "racer: got 'nobody'"),
    ("/api/standings/racers/x?scheme=points", 400, "scheme: got 'points'"),
]


def test_bad_parameters_name_the_value(league: LeagueBoard) -> None:
    for path, status, named in BAD:
        response = _get(league, path)
        assert response.status_code == status, (path, response.json)
        assert named in response.json["error"], (path, response.json)


def test_memory_store_answers_503(board: Board) -> None:
    response = board.app.test_client().get("/api/standings")
    assert response.status_code == 503
    assert "keeps no league results" in response.json["error"]
    assert board.app.test_client().get("/standings").status_code == 200
