"""A past run corrected after its results were used (issue 13): the leaderboard, the export
and the bracket follow, or staff are told.

A bracket result stays as recorded (later matches may have been raced on it): the board
decides the match again from its corrected runs and says on /control whether the result
still holds, so staff correct the winner by hand when it should change.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from brackets_support import Staff, open_bracket, play_staged, qualify
from web_support import Board, FakeClock, make_settings

from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import Race
from lapgate.board.store.sql import SqlStore
from lapgate.board.web import create_app


@pytest.fixture
def sql_board(tmp_path: Path) -> Iterator[Board]:
    """The test board on a SQLite file (the export reads the SQL store)."""
    settings = make_settings()
    clock = FakeClock()
    store = SqlStore(f"sqlite:///{tmp_path / 'summit.db'}")
    host = EngineHost(Race(store, settings, {"finish": clock}), tick_s=0.01)
    app = create_app(settings, host, testing=True)
    host.start()
    yield Board(settings, clock, store, host, app)  # type: ignore[arg-type]
    host.stop()
    store.close()


def _notices(socket: Any) -> list[str]:
    received = socket.get_received("/live")
    updates = [m["args"][0] for m in received if m["name"] == "update"]
    return [u["text"] for u in updates if u["type"] == "notice"]


def _bracket_row(staff: Staff, name: str) -> dict[str, str]:
    text = staff.client.get("/api/export/final-csv").get_data(as_text=True)
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["Alias"] == name]
    return rows[-1]  # the bracket round's row comes after qualifying's


def test_correcting_a_decided_matchs_run_changes_the_leaderboard_export_and_tells_staff(
    sql_board: Board,
) -> None:
    board = sql_board
    staff = Staff(board.app.test_client())
    ids = qualify(board, ["Ann", "Ben"])
    bracket_id = open_bracket(staff, kind="single", size=2)
    staff.post(f"/api/brackets/{bracket_id}/stage")
    play_staged(board, [12.0, 12.5], [11.0, 11.4])  # Ben (bottom) is faster: he wins
    decided = staff.post(f"/api/brackets/{bracket_id}/decide")
    assert decided.json["winner_id"] == ids["Ben"]
    view = staff.client.get(f"/api/brackets/{bracket_id}").json
    # the result reads winner first: Ben's 11.000 before Ann's 12.000
    assert view["events"][0]["label"] == "W1-1: Ben beat Ann (11.000 v 12.000)"
    track = staff.client.get("/api/tracks/track-1").json
    assert [r["name"] for r in track["leaderboard"]] == ["Ben", "Ann"]
    assert _bracket_row(staff, "Ben")["BestLapTime"] == "11000"
    ben_run = next(
        r["run_id"] for r in staff.client.get(f"/api/racers/{ids['Ben']}").json["runs"][-1:]
    )
    socket = board.socketio.test_client(board.app, namespace="/live")
    socket.get_received("/live")
    # the gate counted Ben twice on a cut: both his laps are invalid after all
    for lap in (1, 2):
        answer = staff.post("/api/control/invalidate", {"run_id": ben_run, "lap": lap})
        assert answer.status_code == 200, answer.json
    track = staff.client.get("/api/tracks/track-1").json
    assert [r["name"] for r in track["leaderboard"]] == ["Ann", "Ben"]  # the leaderboard
    assert _bracket_row(staff, "Ben")["BestLapTime"] in ("", "0")  # the export
    notices = _notices(socket)
    assert notices[-1] == (
        "Bracket W1-1: a run of it was corrected; its runs now say Ann beat Ben "
        "(12.000 v no time), but the recorded result is Ben beat Ann. "
        "Correct the winner on the Brackets panel if it should change"
    )
    # staff correct the winner: the bracket follows
    fixed = staff.post(
        f"/api/brackets/{bracket_id}/correct", {"match_id": "W1-1", "winner_id": ids["Ann"]}
    )
    assert fixed.status_code == 200, fixed.json
    view = staff.client.get(f"/api/brackets/{bracket_id}").json
    final = next(m for b in view["brackets"] for r in b["rounds"] for m in r["matches"])
    assert final["winner"]["name"] == "Ann"
    # restoring one lap: the runs agree with the corrected result no more, staff are told
    staff.post("/api/control/restore", {"run_id": ben_run, "lap": 1})
    assert _notices(socket)[-1].startswith("Bracket W1-1: a run of it was corrected; its runs now")
    socket.disconnect(namespace="/live")
