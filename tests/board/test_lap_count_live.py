"""Lap-count races on the live core: a run ends by itself with lap N; an undone crossing
after the track moved on ends the run where it ended, not left running."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_support import Board, make_settings, started_board

from lapgate.board.live.commands import execute, parse
from lapgate.board.live.views import run_view, snapshot_view


@pytest.fixture
def lap_board() -> Iterator[Board]:
    started = started_board(make_settings(format="lap_count", race_laps=3, lockout_s=1))
    yield started
    started.host.stop()


def run_of(board: Board, run_id: str) -> dict[str, Any]:
    snapshot = board.host.call(snapshot_view)
    assert snapshot["tracks"][0]["round"]["format"] == "lap_count"
    view: dict[str, Any] = board.host.call(lambda race: run_view(race, race.run(run_id)))
    return view


def test_a_run_ends_with_lap_n_and_an_undo_after_the_track_moved_on_keeps_it_over(
    lap_board: Board,
) -> None:
    lap_board.queue("Ann", "Bo")
    ann = lap_board.stage()
    for gap_s in (0, 10, 10, 10):
        lap_board.cross(gap_s)
    over = run_of(lap_board, ann)
    assert over["status"] == "finished" and over["race_total_ms"] == 30_000
    assert len(over["laps"]) == 3
    bo = lap_board.stage()  # the track moves on; Ann's car is off
    lap_board.cross(5)
    spec, command = parse("undo", {"run_id": ann, "event_id": 2})  # a "false" crossing
    lap_board.host.call(lambda race: execute(race, spec, command))
    after = run_of(lap_board, ann)
    assert after["status"] == "finished"
    assert [lap["duration_ms"] for lap in after["laps"]] == [20_000, 10_000]
    assert run_of(lap_board, bo)["status"] == "running"
