"""At start-up the service compares the wall clock with the latest stored event; the
control page shows a warning while the clock reads earlier (injected wall clocks)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from lapgate.board.service import Service
from lapgate.board.store.sql import SqlStore
from lapgate.config import settings_from_dict
from lapgate.config.settings import Settings
from lapgate.timer.events import Crossing, GateCrossing
from lapgate.timer.units import NS_PER_S

PASSWORD = "wall clock staff"
STORED_AT = dt.datetime(2026, 11, 21, 12, 0)
LOST_DATE = dt.datetime(2024, 1, 1, 0, 3)


class FakeWallClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def make_settings() -> Settings:
    return settings_from_dict(
        {
            "event": {"name": "Clock Summit"},
            "board": {
                "staff_password_hash": generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
            },
        }
    )


def store_one_event(db_url: str, settings: Settings, stored_at: dt.datetime) -> None:
    """Run a service on a wall clock reading `stored_at` and store one crossing."""
    store = SqlStore(db_url, wall_clock=FakeWallClock(stored_at))
    service = Service(settings, store, wall_clock=FakeWallClock(stored_at))
    service.start(serve=False)
    try:
        service.host.call(lambda race: race.queue_add(None, race.add_racer("Ada")))
        run_id = service.host.call(lambda race: race.stage(None))
        crossing = GateCrossing(Crossing("finish", 5 * NS_PER_S, "test"))
        service.host.call(lambda race: race.apply(run_id, crossing))
    finally:
        service.stop()
        store.close()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'lapgate.sqlite3'}"


@pytest.fixture
def restarted(db_url: str) -> Iterator[tuple[Service, FakeWallClock]]:
    """A service restarted after a power cut, on a Pi whose clock lost the date."""
    settings = make_settings()
    store_one_event(db_url, settings, STORED_AT)
    wall = FakeWallClock(LOST_DATE)
    store = SqlStore(db_url, wall_clock=wall)
    service = Service(settings, store, wall_clock=wall)
    service.start(serve=False)
    try:
        yield service, wall
    finally:
        service.stop()
        store.close()


def control_page(client: FlaskClient) -> str:
    client.get("/control")
    with client.session_transaction() as session:
        token = session["csrf"]
    response = client.post("/control/login", data={"password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.data
    return client.get("/control").get_data(as_text=True)


def test_control_page_warns_while_the_clock_is_behind_the_stored_results(
    restarted: tuple[Service, FakeWallClock],
) -> None:
    service, wall = restarted
    client = service.app.test_client()
    page = control_page(client)
    assert 'id="clock-warning"' in page
    assert "2024-01-01 00:03 UTC" in page and "2026-11-21 12:00 UTC" in page
    assert "lap times are unaffected" in page
    wall.now = STORED_AT + dt.timedelta(hours=1)  # NTP answered
    assert 'id="clock-warning"' not in client.get("/control").get_data(as_text=True)


def test_start_up_logs_the_wrong_clock(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings()
    store_one_event(db_url, settings, STORED_AT)
    store = SqlStore(db_url)
    service = Service(settings, store, wall_clock=FakeWallClock(LOST_DATE))
    with caplog.at_level(logging.WARNING, logger="lapgate.board.wallclock"):
        service.start(serve=False)
    service.stop()
    store.close()
    assert any("set the date" in r.getMessage() for r in caplog.records)


def test_a_right_clock_shows_no_warning(db_url: str) -> None:
    settings = make_settings()
    store_one_event(db_url, settings, STORED_AT)
    store = SqlStore(db_url)
    service = Service(settings, store, wall_clock=FakeWallClock(STORED_AT + dt.timedelta(days=1)))
    service.start(serve=False)
    try:
        assert 'id="clock-warning"' not in control_page(service.app.test_client())
    finally:
        service.stop()
        store.close()
