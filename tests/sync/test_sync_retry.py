"""A run log the league refused is held at the venue; once staff fixed the cause, "Send
again" on /control (``POST /api/sync/retry``) sends it again at once, without a restart
of the venue's daemon (issue 15). A real `lapgate league`, a real venue daemon, a real
headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sync_support import (
    ACK_S,
    TOKENS,
    LeagueProcess,
    add_runs,
    all_logs,
    pusher,
    racers,
    seed_site,
    wait_until,
)
from werkzeug.security import generate_password_hash

from lapgate.board.service import BoardServer, Service
from lapgate.board.store.outbox import Outbox
from lapgate.board.store.sql import SqlStore
from lapgate.config import settings_from_dict
from lapgate.timer.events import Crossing, GateCrossing, InvalidateLap
from lapgate.timer.units import NS_PER_S

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(180)]
STAFF_PASSWORD = "venue-staff-password"


@dataclass
class Held:
    """A venue daemon whose run `run_id` is held from `event_id`: the league holds another
    event under that id (say, from a restored backup); `fix()` is the league staff's fix."""

    onsite: SqlStore
    central: SqlStore
    service: Service
    server: BoardServer
    run_id: str
    event_id: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def quarantine(self) -> list[dict[str, Any]]:
        pusher_ = self.service.sync
        assert pusher_ is not None
        refused: list[dict[str, Any]] = pusher_.snapshot()["refused"]
        return refused

    def fix(self) -> None:
        with self.central.engine.begin() as conn:
            conn.execute(
                text("DELETE FROM run_events WHERE run_id = :r AND event_id >= :e"),
                {"r": self.run_id, "e": self.event_id},
            )

    def synced(self) -> bool:
        return all_logs(self.central).get(self.run_id) == all_logs(self.onsite)[self.run_id]


@pytest.fixture
def held(
    league: LeagueProcess,
    site: Callable[[str], SqlStore],
    central: Callable[[], SqlStore],
) -> Iterator[Held]:
    onsite = site("venue")
    field = racers(2)
    info = seed_site(onsite, "track-1", field)
    add_runs(onsite, info, field, runs=2, laps=2, seed=5)
    p = pusher(onsite, league, "track-1", ack_timeout_s=ACK_S)
    for _ in range(3):
        p.push_once()
    p.stop()
    run = onsite.list_runs(info.round_id)[0]
    next_id = len(onsite.load_log(run.run_id).entries) + 1
    store = central()
    store.append_event(run.run_id, next_id, GateCrossing(Crossing("finish", 99 * NS_PER_S, "x")))
    onsite.append_event(run.run_id, next_id, InvalidateLap(at_ns=15 * NS_PER_S, reason="cut"))
    settings = settings_from_dict(
        {
            "event": {"name": "Retry", "season": "2026"},
            "board": {"staff_password_hash": generate_password_hash(STAFF_PASSWORD, "pbkdf2")},
            "sync": {"upstream_url": league.url, "token": TOKENS["track-1"]},
        }
    )
    service = Service(settings, onsite)
    service.start(serve=False)
    server = BoardServer(service.app, "127.0.0.1", 0)
    server.start()
    state = Held(onsite, store, service, server, run.run_id, next_id)
    try:
        wait_until(lambda: state.quarantine() != [], 30, "the run's log to be held")
        yield state
    finally:
        server.stop()
        service.stop()


def login(client: Any) -> str:
    """Log in on /control through the real form; the session's CSRF token."""
    client.get("/control")
    with client.session_transaction() as session:
        token = session["csrf"]
    response = client.post("/control/login", data={"password": STAFF_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    with client.session_transaction() as session:
        fresh: str = session["csrf"]
    return fresh


def test_send_again_releases_a_held_log_after_the_league_fix(held: Held) -> None:
    [refused] = held.quarantine()
    assert (refused["kind"], refused["id"], refused["event_id"]) == (
        "run_event",
        held.run_id,
        held.event_id,
    )
    assert "expected the stored" in refused["reason"]
    client = held.service.app.test_client()
    assert client.post("/api/sync/retry", json={}).status_code == 401
    token = login(client)
    assert client.post("/api/sync/retry", json={}).status_code == 403  # no CSRF token
    headers = {"X-CSRF-Token": token}
    for body, status, words in [
        ({"kind": "lap"}, 400, "kind: got 'lap', expected one of"),
        ({"id": held.run_id}, 400, "expected a record id (text) with its kind"),
        ({"kind": "run_event", "id": "no-such-run"}, 404, "expected a quarantined item"),
        ({"kind": "run_event", "id": held.run_id, "x": 1}, 400, "expected JSON"),
    ]:
        answer = client.post("/api/sync/retry", json=body, headers=headers)
        assert answer.status_code == status and words in answer.json["error"], answer.json

    # not fixed yet: sent again, refused again, held again with the league's answer
    answer = client.post(
        "/api/sync/retry", json={"kind": "run_event", "id": held.run_id}, headers=headers
    )
    assert answer.json == {"released": 1}
    wait_until(lambda: len(held.quarantine()) == 1, 30, "the log to be held again")
    assert not held.synced()

    held.fix()
    assert client.post("/api/sync/retry", json={}, headers=headers).json == {"released": 1}
    wait_until(held.synced, 30, "the held log to reach the league")
    wait_until(lambda: held.quarantine() == [], 10, "the quarantine to clear")
    assert Outbox(held.onsite).backlog_count() == 0


@pytest.mark.browser
def test_send_again_button_on_control(held: Held, tmp_path: Path, browser: Any) -> None:
    held.fix()
    page: Any = browser.new_page()
    try:
        page.goto(held.base + "/control")
        page.fill("input[name=password]", STAFF_PASSWORD)
        page.click("button[type=submit]")
        item = page.locator("#sync-refused li", has_text=f"Refused run {held.run_id}")
        item.wait_for(timeout=15_000)
        assert page.locator("#sync-retry-all").is_visible()
        if os.environ.get("LAPGATE_SCREENSHOTS"):  # the docs' picture of the panel
            page.locator(".side-panel").screenshot(
                path=f"{os.environ['LAPGATE_SCREENSHOTS']}/control-sync-send-again.png"
            )
        item.locator("button.sync-retry").click()
        wait_until(held.synced, 30, "the held log to reach the league")
        page.locator("#sync-refused li").first.wait_for(state="detached", timeout=15_000)
        assert "Sending 1 again" in str(page.locator("#sync-retry-note").text_content())
        assert not page.locator("#sync-retry-all").is_visible()
    finally:
        page.close()
