"""Teams on the live core: entered, queued with who drives, raced by a member or a proxy;
a racer races for one team per event. Commands run through the host as staff send them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_support import Board, make_settings, started_board

from lapgate.board.league.summit import event_race
from lapgate.board.live.commands import execute, parse
from lapgate.board.live.views import snapshot_view
from lapgate.timer.errors import LapgateError


@pytest.fixture
def team_board() -> Iterator[Board]:
    started = started_board(make_settings(lockout_s=1))
    yield started
    started.host.stop()


def act(board: Board, command_name: str, /, **payload: Any) -> dict[str, Any]:
    spec, command = parse(command_name, payload)
    answer: dict[str, Any] = board.host.call(lambda race: execute(race, spec, command))
    return answer


def refused(board: Board, command_name: str, /, **payload: Any) -> str:
    with pytest.raises(LapgateError) as caught:
        act(board, command_name, **payload)
    return str(caught.value)


def test_a_team_raced_by_a_proxy_ranks_as_the_team(team_board: Board) -> None:
    team = act(team_board, "team_create", name="Rocket", members=["Ann", "Ben"], car="Car 7")
    assert [m["name"] for m in team["members"]] == ["Ann", "Ben"]
    queued = act(team_board, "queue_add", team="Rocket", raced_by="Pat")
    assert queued["proxy"] is True
    snapshot = team_board.host.call(snapshot_view)
    entry = snapshot["tracks"][0]["queue"][0]
    assert (entry["name"], entry["raced_by"], entry["proxy"], entry["car"]) == (
        "Rocket",
        "Pat",
        True,
        "Car 7",
    )
    act(team_board, "stage")
    for gap_s in (0, 10, 11):
        team_board.cross(gap_s)
    track = team_board.host.call(snapshot_view)["tracks"][0]
    run = track["run"]
    assert (run["racer"], run["raced_by"], run["proxy"]) == ("Rocket", "Pat", True)
    assert run["team"]["name"] == "Rocket"
    assert [row["name"] for row in track["leaderboard"]] == ["Rocket"]
    event = team_board.host.call(lambda race: race.event)
    results = event_race(team_board.store, event).results
    assert results[0].alias == "Rocket"
    assert results[0].extra["Team members"] == "Ann, Ben"
    assert results[0].extra["Raced by"] == "Pat (proxy)"


def test_a_member_drives_without_being_a_proxy(team_board: Board) -> None:
    act(team_board, "team_create", name="Rocket", members=["Ann"])
    assert act(team_board, "queue_add", alias="rocket", raced_by="Ann")["proxy"] is False
    assert "expected who drives" in refused(team_board, "queue_add", team="Rocket")


def test_a_racer_races_for_one_team_per_event(team_board: Board) -> None:
    act(team_board, "team_create", name="Rocket", members=["Ann"])
    act(team_board, "team_create", name="Comet", members=["Cy"])
    assert "Ann races for team Rocket in this event" in refused(
        team_board, "team_add_member", team="Comet", alias="Ann"
    )
    assert "Ann races for team Rocket" in refused(
        team_board, "team_create", name="Meteor", members=["Ann"]
    )
    assert "expected a member of Comet or a proxy" in refused(
        team_board, "queue_add", team="Comet", raced_by="Ann"
    )
    assert "queue the team with raced_by 'Ann'" in refused(team_board, "queue_add", alias="Ann")
    # a proxy who drove for Rocket cannot then join Comet
    act(team_board, "queue_add", team="Rocket", raced_by="Pat")
    assert "Pat drove for team Rocket" in refused(
        team_board, "team_add_member", team="Comet", alias="Pat"
    )
    act(team_board, "team_remove_member", team="Rocket", alias="ann")
    assert [
        m["name"] for m in act(team_board, "team_add_member", team="Comet", alias="Ann")["members"]
    ] == ["Cy", "Ann"]


def test_team_names_and_drivers_are_checked(team_board: Board) -> None:
    act(team_board, "team_create", name="Rocket", members=["Ann"])
    assert "already a team" in refused(team_board, "team_create", name="ROCKET")
    assert "expected one of ['Rocket']" in refused(
        team_board, "team_add_member", team="Nope", alias="Bo"
    )
    assert "expected a member of ['Ann']" in refused(
        team_board, "team_remove_member", team="Rocket", alias="Bo"
    )
    assert "expected it only with a team" in refused(
        team_board, "queue_add", alias="Solo", raced_by="Ann"
    )
    entry = act(team_board, "queue_add", team="Rocket", raced_by="Ann")["entry_id"]
    assert act(team_board, "queue_raced_by", entry_id=entry, raced_by="Zed")["raced_by"]
    solo = act(team_board, "queue_add", alias="Solo")["entry_id"]
    assert "Solo is a racer, not a team" in refused(
        team_board, "queue_raced_by", entry_id=solo, raced_by="Ann"
    )
