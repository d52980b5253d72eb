"""`lapgate demo`: the director plays the championship program through staff commands on a
real service (simulated gate, SQLite), staff may act meanwhile, and the show starts a fresh
event after the final results, with the pages following it."""

from __future__ import annotations

import csv
import io
import json
import logging
import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from web_support import STAFF_PASSWORD, login
from werkzeug.security import generate_password_hash

from lapgate.board.commands.run_cmds import demo_settings
from lapgate.board.demo import DemoDirector, Pauses
from lapgate.board.demo_show import DemoShow, fresh_sqlite
from lapgate.board.live.host import EngineHost
from lapgate.board.service import Service, build_gates
from lapgate.board.store.sql import SqlStore
from lapgate.config import settings_from_dict
from lapgate.config.settings import Settings
from lapgate.timer.errors import RuleViolation

pytestmark = pytest.mark.timeout(120)

FAST_GATE = {
    "id": "finish",
    "kind": "simulated",
    "seed": 5,
    "speed_factor": 20,
    "mean_lap_s": 4.0,
    "sigma_lap_s": 0.3,
}
# A short program of every kind a director plays (the demo's is in test 1).
SMALL_PROGRAM = [
    {
        "name": "Qualifying",
        "kind": "timed",
        "runs_per_racer": 1,
        "advance": "top",
        "advance_count": 4,
    },
    {
        "name": "Final 4",
        "kind": "bracket",
        "entry_from": ["Qualifying"],
        "bracket": "single",
        "stop_at": 2,
        "attempts": 1,
        "advance": "all",
    },
    {"name": "Final shootout", "kind": "shootout", "entry_from": ["Final 4"], "advance": "none"},
]
SMALL_RACERS = ["Ada Lovelap", "Turbo Turing", "Ken Kerb", "Radia Racing", "Dennis Chicane"]


def small_settings(name: str = "Small Demo", **gate: Any) -> Settings:
    return settings_from_dict(
        {
            "event": {"name": name, "season": "2026"},
            "round": {"time_limit_s": 10, "grace_s": 5, "max_resets_per_lap": 3},
            "gate": [{**FAST_GATE, **gate}],
            "board": {"staff_password_hash": generate_password_hash(STAFF_PASSWORD)},
            "rounds": SMALL_PROGRAM,
        }
    )


@pytest.fixture
def start_service(tmp_path: Path) -> Iterator[Callable[[Settings], Service]]:
    """Start a real service (simulated gate, SQLite in tmp_path, no HTTP server)."""
    started: list[Service] = []

    def start(settings: Settings) -> Service:
        store = SqlStore(fresh_sqlite(tmp_path / "demo.sqlite3"))
        service = Service(settings, store, gates=build_gates(settings), port=0)
        service.start(serve=False)
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()
        service.store.close()  # type: ignore[attr-defined]


def program_journal(host: EngineHost) -> list[tuple[str, str, str]]:
    """(why, round name, kind) of every round opened or closed from now on."""
    journal: list[tuple[str, str, str]] = []

    def note(message: dict[str, Any]) -> None:
        if message.get("type") == "program" and message["why"] in ("opened", "closed"):
            journal.append((message["why"], message["round"]["name"], message["round"]["kind"]))

    host.subscribe(note)
    return journal


def opened_and_closed(rounds: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    return [(why, name, kind) for name, kind in rounds for why in ("opened", "closed")]


def play(director: DemoDirector, timeout_s: float) -> None:
    """Let `director` play its program to the end, within `timeout_s` real seconds."""
    director.start()
    try:
        assert director.finished.wait(timeout_s), f"program not played in {timeout_s} s"
    finally:
        director.stop()


def test_each_demo_event_is_named_and_raced_anew() -> None:
    first, second = (demo_settings("", number, speed_factor=50) for number in (1, 2))
    assert first.event.name == "lapgate Demo Championship #1"
    assert second.event.name == "lapgate Demo Championship #2"
    assert first.gate[0].seed != second.gate[0].seed  # other laps, other winners
    assert first.gate[0].speed_factor == second.gate[0].speed_factor == 50
    assert [str(r.kind) for r in first.rounds] == ["timed", "timed", "bracket", "shootout"]


@pytest.mark.slow  # ~20 s: the whole demo program at 100 × real time
def test_the_demo_program_plays_every_round_kind_in_order(
    start_service: Callable[[Settings], Service],
) -> None:
    settings = demo_settings(generate_password_hash(STAFF_PASSWORD), 1, speed_factor=100)
    service = start_service(settings)
    journal = program_journal(service.host)
    play(DemoDirector(service.host, pauses=Pauses.none(), poll_s=0.02), timeout_s=90)

    assert journal == opened_and_closed(
        [
            ("Qualifying", "timed"),
            ("Average of 3", "timed"),
            ("Final 8", "bracket"),
            ("Final shootout", "shootout"),
        ]
    )
    client = service.app.test_client()
    login(client)
    program = {r["name"]: r for r in client.get("/api/program").json}
    assert len(program["Qualifying"]["outcome"]["advanced"]) == 12  # every demo racer raced
    assert len(program["Average of 3"]["outcome"]["advanced"]) == 8
    assert len(program["Final 8"]["entrants"]) == 8
    finalists = program["Final 8"]["outcome"]["advanced"]
    assert len(finalists) == 3
    places = client.get("/api/rounds/Final shootout/results").json
    assert [p["place"] for p in places] == [1, 2, 3]
    assert {p["racer_id"] for p in places} == {f["racer_id"] for f in finalists}
    export = client.get("/api/export/final-csv")
    assert export.status_code == 200, export.data
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [(int(r["Rank"]), r["Alias"]) for r in rows[:3]] == [
        (1, places[0]["name"]),
        (2, places[1]["name"]),
        (3, places[2]["name"]),
    ]


class FirstTryRefused:
    """The engine host, refusing each distinct staff command the first time it is sent, as
    when staff got there first from /control."""

    def __init__(self, host: EngineHost) -> None:
        self._host = host
        self._tried: set[str] = set()
        self.refused: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._host, name)

    def execute(self, name: str, payload: dict[str, Any], timeout_s: float = 10) -> Any:
        key = json.dumps([name, payload], sort_keys=True)
        if key not in self._tried:
            self._tried.add(key)
            self.refused.append(name)
            raise RuleViolation(f"{name}: staff got there first")
        return self._host.execute(name, payload, timeout_s)


def test_staff_acting_meanwhile_does_not_stop_the_demo(
    start_service: Callable[[Settings], Service], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lapgate.board.demo")
    service = start_service(small_settings())
    journal = program_journal(service.host)
    host = FirstTryRefused(service.host)
    director = DemoDirector(host, racers=SMALL_RACERS, pauses=Pauses.none(), poll_s=0.02)  # type: ignore[arg-type]
    client = service.app.test_client()
    headers = {"X-CSRF-Token": login(client)}

    def staff(name: str, **payload: Any) -> Any:
        return client.post(f"/api/control/{name}", json=payload, headers=headers)

    director.start()
    try:
        # A walk-in joins the open qualifying; staff end the first run they see running.
        deadline = time.monotonic() + 30
        walk_in = ended = None
        while walk_in is None or ended is None:
            assert time.monotonic() < deadline, (walk_in, ended)
            shown = client.get("/api/tracks/track-1").json
            if walk_in is None and shown["round"] and shown["round"]["status"] == "open":
                walk_in = staff("queue_add", alias="Walk-in Wanda")
                assert walk_in.status_code == 200, walk_in.json
            run = shown["run"]
            if ended is None and run and run["status"] == "running":
                response = staff("end")
                ended = run["racer"] if response.status_code == 200 else None
            time.sleep(0.005)
        assert director.finished.wait(60), "the program was not played to its end"
    finally:
        director.stop()

    assert journal == opened_and_closed(
        [("Qualifying", "timed"), ("Final 4", "bracket"), ("Final shootout", "shootout")]
    )
    qualifying = client.get("/api/rounds/Qualifying/leaderboard").json
    raced = {row["name"]: row["runs"] for row in qualifying}
    assert raced == {name: 1 for name in [*SMALL_RACERS, "Walk-in Wanda"]}
    places = client.get("/api/rounds/Final shootout/results").json
    assert [p["place"] for p in places] == [1, 2]
    assert {"round_open", "queue_add", "stage", "bracket_decide", "round_close"} <= set(
        host.refused
    )
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    assert refusals and all(r.levelno == logging.INFO for r in refusals)


def test_after_the_final_results_a_fresh_event_starts_and_pages_follow(tmp_path: Path) -> None:
    names_seen: queue.Queue[str] = queue.Queue()
    db_file = tmp_path / "demo.sqlite3"

    def fresh_event(number: int, port: int) -> Service:
        settings = small_settings(f"Small Demo #{number}", speed_factor=100)
        store = SqlStore(fresh_sqlite(db_file))
        return Service(settings, store, gates=build_gates(settings), port=port)

    show = DemoShow(
        fresh_event, 0, pauses=Pauses(0, 0, final_s=100), poll_s=0.02, racers=SMALL_RACERS
    )
    first = show.start()
    # Our own HTTP session: engine.io drops (never closes) its own on every reconnection,
    # and its pooled sockets would be reported, at some later garbage collection, as
    # unclosed in whichever test runs then.
    http = requests.Session()
    page = socketio.Client(reconnection_delay=0.1, reconnection_delay_max=0.5, http_session=http)
    page.on("snapshot", lambda data: names_seen.put(data["event"]["name"]), namespace="/live")
    first_socket = None
    try:
        page.connect(first.base_url, namespaces=["/live"], wait_timeout=10)
        first_socket = page.eio.ws
        assert names_seen.get(timeout=10) == "Small Demo #1"
        # Event #1 plays, shows its results for 1 s (100 s at 100 ×), then #2 starts on the
        # same address and the page, dropped by the old service, draws the new event.
        assert names_seen.get(timeout=30) == "Small Demo #2"
        current = show.service
        assert current is not None and current is not first
        assert current.base_url == first.base_url
        assert [e.name for e in current.store.list_events()] == ["Small Demo #2"]  # wiped
    finally:
        page.disconnect()
        if first_socket is not None:  # the client library leaves a dropped websocket open
            first_socket.shutdown()
        http.close()
        show.stop()
    assert show.done.is_set()
