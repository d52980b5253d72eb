"""The on-site daemon (`Service`) syncs when `[sync] upstream_url` is set, and the control
page's endpoint shows the sync state (staff only)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sync_support import (
    ACK_S,
    ROOT,
    TOKENS,
    LeagueProcess,
    add_runs,
    assert_same_results,
    event_count,
    fill_backlog,
    free_port,
    pg_schema,
    pusher,
    racers,
    seed_site,
    wait_until,
)
from werkzeug.security import generate_password_hash

from lapgate.board.domain import Racer
from lapgate.board.service import Service
from lapgate.board.store.outbox import Outbox
from lapgate.board.store.sql import SqlStore
from lapgate.config import settings_from_dict

STAFF_PASSWORD = "sync test password"


def login(client: FlaskClient) -> None:
    """Log `client` in through the real staff form."""
    client.get("/control")
    with client.session_transaction() as session:
        token = session["csrf"]
    response = client.post("/control/login", data={"password": STAFF_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.data


pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(90)]


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
    # another timer sent a racer first, spelled otherwise: this venue's copy is refused
    onsite.save_racer(Racer("spare", "Spare racer"))
    other = SqlStore(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    other.save_racer(Racer("spare", "Spare racer at track-a"))
    pusher(other, league, "track-a", ack_timeout_s=ACK_S).push_once()
    other.close()
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
        # quarantined, with its reason, while the rest synced
        assert [(r["kind"], r["id"]) for r in state["refused"]] == [("racer", "spare")]
        assert "belongs to timer 'track-a'" in state["refused"][0]["reason"]
    finally:
        service.stop()
        league.kill()
    assert_same_results([onsite], central)
    assert any(r.alias == "Live Racer" for r in central.list_racers())
    assert central.get_racer("spare") == Racer("spare", "Spare racer at track-a")
    onsite.close()
    central.close()


def test_daemon_killed_mid_stream_resumes_exactly(tmp_path: Path, central_url: str) -> None:
    """`lapgate run` with [sync] is SIGKILLed while its backlog streams; restarted, it
    sends the rest, and acknowledgements lost in the kill only cause duplicates."""
    league = LeagueProcess(tmp_path, central_url)
    league.start()
    db = tmp_path / "venue.sqlite3"
    onsite = SqlStore(f"sqlite:///{db}")
    total = fill_backlog(onsite, 1500, 20, track_id="track-1")
    config = tmp_path / "venue.toml"
    config.write_text(
        f'[event]\nname = "Kill test"\nseason = "2026"\n'
        f"[board]\nport = {free_port()}\n"
        f'[store]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[sync]\nupstream_url = "{league.url}"\ntoken = "{TOKENS["track-1"]}"\n',
        encoding="utf-8",
    )
    command = [sys.executable, "-c", "from lapgate.board.cli import main; main()", "run"]
    command += ["--config", str(config), "--db", f"sqlite:///{db}"]
    log = (tmp_path / "daemon.log").open("ab")
    try:
        daemon = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
        wait_until(lambda: event_count(central_url) > 0, 60, "the stream to start")
        daemon.kill()
        daemon.wait(timeout=10)
        assert event_count(central_url) < total, "the kill came too late to be mid-stream"
        daemon = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
        wait_until(lambda: event_count(central_url) == total, 60, "the rest after restart")
        wait_until(lambda: Outbox(onsite).backlog_count() == 0, 30, "acknowledgements")
        daemon.terminate()
        daemon.wait(timeout=10)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait(timeout=10)
        log.close()
        league.kill()
    central = SqlStore(central_url, migrate=False)
    try:
        assert_same_results([onsite], central)
    finally:
        central.close()
        onsite.close()
