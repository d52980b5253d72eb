"""Against the real PostgreSQL and a real `lapgate league` process: league staff find two
racers registered at two venues, merge them and undo the merge; the combined standings
follow both, runs synced after the merge included (issue 15)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sync_support import (
    ACK_S,
    EVENT,
    STAFF_PASSWORD,
    LeagueProcess,
    add_runs,
    basic_auth,
    pusher,
    seed_site,
)

from lapgate.board.domain import Racer, RoundInfo
from lapgate.board.store.sql import SqlStore

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]
BOARD = f"/api/league/events/{EVENT.event_id}/leaderboard"


def staff_post(league: LeagueProcess, path: str, body: Any, password: str = STAFF_PASSWORD) -> Any:
    """POST JSON as league staff; (status, answer)."""
    request = urllib.request.Request(
        league.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": basic_auth(password)},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as res:
            return res.status, json.load(res)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read() or b"null")


def sync(store: SqlStore, league: LeagueProcess, track: str) -> None:
    p = pusher(store, league, track, ack_timeout_s=ACK_S)
    try:
        for _ in range(3):
            p.push_once()
    finally:
        p.stop()


def two_venues(
    league: LeagueProcess, site: Callable[[str], SqlStore]
) -> dict[str, tuple[SqlStore, RoundInfo]]:
    """Ada registered at both tracks under two ids; Grace only at track-b."""
    venues = {}
    for track, ada_id in (("track-a", "ada-at-a"), ("track-b", "ada-at-b")):
        store = site(track)
        field = [Racer(ada_id, "Ada Lovelace")]
        if track == "track-b":
            field.append(Racer("grace-b", "Grace Hopper"))
        info = seed_site(store, track, field)
        add_runs(store, info, field, runs=2 * len(field), laps=3, seed=len(track) + len(ada_id))
        sync(store, league, track)
        venues[track] = (store, info)
    return venues


def test_staff_find_merge_and_unmerge_racers_across_venues(
    tmp_path: Path, central_url: str, league: LeagueProcess, site: Callable[[str], SqlStore]
) -> None:
    venues = two_venues(league, site)
    before = league.get(BOARD)["rows"]
    assert {r["racer_id"] for r in before} == {"ada-at-a", "ada-at-b", "grace-b"}
    (tmp_path / "second").mkdir()
    second = LeagueProcess(tmp_path / "second", central_url)  # another process, same database
    second.start()
    try:
        assert second.get(BOARD)["rows"] == before  # now cached there
        merge_and_unmerge(league, second, venues)
    finally:
        second.kill()


def merge_and_unmerge(
    league: LeagueProcess,
    second: LeagueProcess,
    venues: dict[str, tuple[SqlStore, RoundInfo]],
) -> None:

    found = league.staff_get("/api/league/racers?q=ADA%20lov")  # any case, part of a name
    by_id = {r["racer_id"]: r for r in found}
    assert set(by_id) == {"ada-at-a", "ada-at-b"}
    assert by_id["ada-at-a"]["owner"] == "track-a"
    assert by_id["ada-at-a"]["runs_by_track"] == {"track-a": 2}
    assert by_id["ada-at-b"]["owner"] == "track-b" and by_id["ada-at-b"]["runs"] == 2
    assert league.staff_get("/api/league/racers?q=%25") == []  # % is a character, not a wildcard

    status, merged = staff_post(
        league, "/api/league/racers/merge", {"kept_id": "ada-at-a", "merged_id": "ada-at-b"}
    )
    assert status == 200
    rows = league.get(BOARD)["rows"]
    assert {r["racer_id"] for r in rows} == {"ada-at-a", "grace-b"}
    ada = next(r for r in rows if r["racer_id"] == "ada-at-a")
    assert ada["runs"] == 4 and ada["alias"] == "Ada Lovelace"
    assert second.get(BOARD)["rows"] == rows  # the other process follows the merge
    assert [r["racer_id"] for r in league.staff_get("/api/league/racers?q=ada")] == ["ada-at-a"]
    assert league.staff_get("/api/league/racers?q=ada")[0]["runs_by_track"] == {
        "track-a": 2,
        "track-b": 2,
    }

    # B keeps racing Ada under its own id: those runs count for the kept racer too
    b_store, b_round = venues["track-b"]
    add_runs(b_store, b_round, [Racer("ada-at-b", "Ada Lovelace")], runs=1, laps=2, seed=9)
    sync(b_store, league, "track-b")
    rows = league.get(BOARD)["rows"]
    assert {r["racer_id"] for r in rows} == {"ada-at-a", "grace-b"}
    assert next(r for r in rows if r["racer_id"] == "ada-at-a")["runs"] == 5

    merges = league.staff_get("/api/league/merges")
    assert merges[0]["merge_id"] == merged["merge_id"] and merges[0]["undone"] is False
    assert merges[0]["merged_alias"] == "Ada Lovelace"

    status, _ = staff_post(league, "/api/league/racers/unmerge", {"merge_id": merged["merge_id"]})
    assert status == 200
    rows = league.get(BOARD)["rows"]
    assert {r["racer_id"]: r["runs"] for r in rows} == {"ada-at-a": 2, "ada-at-b": 3, "grace-b": 2}
    assert {r["racer_id"] for r in second.get(BOARD)["rows"]} == {"ada-at-a", "ada-at-b", "grace-b"}
    assert league.staff_get("/api/league/merges")[0]["undone"] is True
    assert rows == sorted(rows, key=lambda r: r["rank"])


def test_merge_answers_bad_input_with_the_reason(
    league: LeagueProcess, site: Callable[[str], SqlStore]
) -> None:
    two_venues(league, site)
    cases = [
        ({"kept_id": "ada-at-a"}, 400, "merged_id: got None, expected JSON"),
        ({"kept_id": "ada-at-a", "merged_id": 7}, 400, "merged_id: got 7"),
        ({"kept_id": "ada-at-a", "merged_id": "ada-at-a"}, 409, "the same racer"),
        ({"kept_id": "ada-at-a", "merged_id": "nobody"}, 404, "expected a known racer"),
    ]
    for body, code, reason in cases:
        status, answer = staff_post(league, "/api/league/racers/merge", body)
        assert (status, reason in answer["error"]) == (code, True), answer
    for body, code, reason in [
        ({"merge_id": "1"}, 400, "merge_id: got '1'"),
        ({"merge_id": True}, 400, "merge_id: got True"),
        ({"merge_id": 999}, 404, "expected a merge not yet undone"),
    ]:
        status, answer = staff_post(league, "/api/league/racers/unmerge", body)
        assert (status, reason in answer["error"]) == (code, True), answer
    status, _ = staff_post(
        league, "/api/league/racers/merge", {"kept_id": "ada-at-a", "merged_id": "ada-at-b"}, "no"
    )
    assert status == 401
    request = urllib.request.Request(  # a cross-site form cannot send JSON: refused
        league.url + "/api/league/racers/merge",
        data=b"kept_id=ada-at-a&merged_id=ada-at-b",
        headers={"Authorization": basic_auth(STAFF_PASSWORD)},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    refused.value.close()
    assert {r["racer_id"] for r in league.get(BOARD)["rows"]} == {"ada-at-a", "ada-at-b", "grace-b"}
