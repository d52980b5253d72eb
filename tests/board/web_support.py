"""Helpers and fixtures for the board's web tests: a started engine host on a fake clock."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from lapgate.board.live.delta import apply_update
from lapgate.board.live.host import EngineHost
from lapgate.board.live.race import Race
from lapgate.board.store import MemoryStore
from lapgate.board.web import create_app
from lapgate.config import settings_from_dict
from lapgate.config.settings import Settings
from lapgate.timer.events import Crossing
from lapgate.timer.units import NS_PER_S

STAFF_PASSWORD = "correct horse battery"
START_NS = 1_000 * NS_PER_S


class FakeClock:
    """A gate clock the test moves by hand (ns)."""

    def __init__(self) -> None:
        self.now_ns = START_NS

    def __call__(self) -> int:
        return self.now_ns

    def advance(self, seconds: float) -> int:
        self.now_ns += round(seconds * NS_PER_S)
        return self.now_ns


@dataclass
class Board:
    settings: Settings
    clock: FakeClock
    store: MemoryStore
    host: EngineHost
    app: Flask

    def cross(self, after_s: float) -> int:
        """A gate crossing `after_s` seconds after the previous clock reading; waits for it."""
        t_ns = self.clock.advance(after_s)
        self.host.on_crossing(Crossing("finish", t_ns, "test"))
        self.host.sync()
        return t_ns

    def queue(self, *aliases: str) -> None:
        """Queue racers; returns once their updates have gone out to the screens."""
        for alias in aliases:
            self.host.call(lambda race, a=alias: race.queue_add(None, race.add_racer(a)))
        self.host.sync()

    def stage(self) -> str:
        """Stage the next racer; returns once the update has gone out to the screens."""
        run_id: str = self.host.call(lambda race: race.stage(None))
        self.host.sync()
        return run_id

    @property
    def socketio(self) -> Any:
        return self.app.extensions["lapgate.socketio"]


@functools.cache
def _staff_hash() -> str:
    return generate_password_hash(STAFF_PASSWORD)


def make_settings(**round_overrides: Any) -> Settings:
    return settings_from_dict(
        {
            "event": {"name": "Test Summit", "season": "2026"},
            "round": {"time_limit_s": 60, "grace_s": 10, **round_overrides},
            "board": {"staff_password_hash": _staff_hash()},
        }
    )


def started_board(settings: Settings) -> Board:
    """A board on a memory store and a fake clock with its engine host started."""
    clock = FakeClock()
    store = MemoryStore()
    host = EngineHost(Race(store, settings, {"finish": clock}), tick_s=0.01)
    app = create_app(settings, host, testing=True)
    host.start()
    return Board(settings, clock, store, host, app)


@pytest.fixture
def board() -> Iterator[Board]:
    started = started_board(make_settings())
    yield started
    started.host.stop()


def login(client: FlaskClient, password: str = STAFF_PASSWORD) -> str:
    """Log `client` in through the real form; return the session's CSRF token."""
    client.get("/control")
    with client.session_transaction() as session:
        token = session["csrf"]
    response = client.post("/control/login", data={"password": password, "csrf_token": token})
    assert response.status_code == 302, response.data
    with client.session_transaction() as session:
        fresh: str = session["csrf"]
    return fresh


def screen_state(received: list[dict[str, Any]], state: dict[str, Any] | None = None) -> Any:
    """What a screen holds after these ``/live`` packets (a test client's `get_received`):
    its last snapshot kept current by the updates after it, as live.js keeps it."""
    for packet in received:
        message = packet["args"][0]
        if packet["name"] == "snapshot":
            state = message
        elif packet["name"] == "update" and state is not None and message["seq"] > state["seq"]:
            state = apply_update(state, message)
    return state
