"""The on-site daemon (`Service`) syncs when `[sync] upstream_url` is set, and the control
page's endpoint shows the sync state (staff only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sync_support import (
    TOKENS,
    LeagueProcess,
    add_runs,
    assert_same_results,
    pg_schema,
    racers,
    seed_site,
    wait_until,
)
from werkzeug.security import generate_password_hash

from board.service import Service
from board.store.outbox import Outbox
from board.store.sql import SqlStore
from config import settings_from_dict

STAFF_PASSWORD = "sync test password"


def login(client: FlaskClient) -> None:
    """Log `client` in through the real staff form."""
    client.get("/control")
    with client.session_transaction() as session:
        token = session["csrf"]
    response = client.post("/control/login", data={"password": STAFF_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.data


pytestmark = [pytest.mark.postgres, pytest.mark.timeout(90)]


@pytest.fixture
def central_url(postgres_url: str) -> Iterator[str]:
    with pg_schema(postgres_url) as url:
        SqlStore(url).close()
        yield url


def test_daemon_pushes_its_store_and_shows_the_state(tmp_path: Path, central_url: str) -> None:
    league = LeagueProcess(tmp_path, central_url)
    league.start()
    onsite = SqlStore(f"sqlite:///{tmp_path / 'site.sqlite3'}")
    central = SqlStore(central_url, migrate=False)
    info = seed_site(onsite, "track-1", racers(4))
    add_runs(onsite, info, racers(4), runs=6, laps=4, seed=9)
    settings = settings_from_dict(
        {
            "event": {"name": "Daemon test", "season": "2026"},
            "board": {"staff_password_hash": generate_password_hash(STAFF_PASSWORD)},
            "sync": {"upstream_url": league.url, "token": TOKENS["track-1"]},
        }
    )
    service = Service(settings, onsite)
    service.start(serve=False)
    try:
        client = service.app.test_client()
        assert client.get("/api/sync").status_code == 401
        login(client)
        service.host.call(lambda race: race.queue_add(None, race.add_racer("Live Racer")))
        service.host.call(lambda race: race.stage(None))  # a live run registration
        wait_until(lambda: Outbox(onsite).backlog_count() == 0, 30, "the backlog")
        wait_until(lambda: client.get("/api/sync").json["queued_records"] == 0, 30, "records")
        state = client.get("/api/sync").json
        assert state["enabled"] and state["connected"] and state["last_error"] == ""
        assert state["sent_items"] > 0
    finally:
        service.stop()
        league.kill()
    assert_same_results([onsite], central)
    assert any(r.alias == "Live Racer" for r in central.list_racers())
    onsite.close()
    central.close()
