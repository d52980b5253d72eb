"""Helpers of the bracket and standings web tests: qualifying runs, a staff client."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from web_support import Board, login

from lapgate.timer.events import EndRun

XSS_NAME = "<img src=x onerror=alert(1)>"


def race_run(board: Board, laps_s: list[float]) -> str:
    """Stage the queue's next racer, drive `laps_s` through the gate, end the run."""
    run_id = board.stage()
    board.cross(1.0)  # rolling start: the first crossing starts lap 1
    for lap_s in laps_s:
        board.cross(lap_s)
    board.host.call(lambda race: race.apply(run_id, EndRun(board.clock.now_ns)))
    return run_id


def qualify(board: Board, names: list[str]) -> dict[str, str]:
    """One run each; `names[0]` is fastest. Returns alias → racer id."""
    board.queue(*names)
    for i, _ in enumerate(names):
        race_run(board, [10.0 + i, 10.5 + i])
    racers = board.host.call(lambda race: {r.alias: r.racer_id for r in race.racers.values()})
    return {name: racers[name] for name in names}


class Staff:
    """A logged-in test client that sends the CSRF header."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = login(client)

    def post(self, path: str, payload: Any = None) -> Any:
        return self.client.post(path, json=payload or {}, headers={"X-CSRF-Token": self.token})


def open_bracket(staff: Staff, **payload: Any) -> str:
    response = staff.post("/api/brackets", payload)
    assert response.status_code == 200, response.json
    bracket_id: str = response.json["bracket_id"]
    return bracket_id


def play_staged(board: Board, top_laps_s: list[float], bottom_laps_s: list[float]) -> None:
    """Race the staged match: one attempt each, in queue order (top, then bottom)."""
    race_run(board, top_laps_s)
    race_run(board, bottom_laps_s)
