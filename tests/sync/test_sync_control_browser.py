"""What staff see on /control when the league refuses one of the venue's records: the
"Central sync" panel lists it with its reason (a real headless Chromium, a real league)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sync_support import (
    ACK_S,
    TOKENS,
    LeagueProcess,
    add_runs,
    pusher,
    racers,
    seed_site,
    wait_until,
)
from werkzeug.security import generate_password_hash

from lapgate.board.domain import Racer
from lapgate.board.service import BoardServer, Service
from lapgate.board.store.outbox import Outbox
from lapgate.board.store.sql import SqlStore
from lapgate.config import settings_from_dict

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]
STAFF_PASSWORD = "venue-staff-password"


def test_control_lists_a_refused_record_with_its_reason(
    tmp_path: Path,
    league: LeagueProcess,
    site: Callable[[str], SqlStore],
    browser: Any,
) -> None:
    other = site("other")  # another timer sent this racer first, spelled otherwise
    other.save_racer(Racer("spare", "Spare racer at track-a"))
    pusher(other, league, "track-a", ack_timeout_s=ACK_S).push_once()
    onsite = site("venue")
    info = seed_site(onsite, "track-1", racers(2))
    add_runs(onsite, info, racers(2), runs=2, laps=2, seed=5)
    onsite.save_racer(Racer("spare", "Spare racer"))
    settings = settings_from_dict(
        {
            "event": {"name": "Browser sync", "season": "2026"},
            "board": {"staff_password_hash": generate_password_hash(STAFF_PASSWORD, "pbkdf2")},
            "sync": {"upstream_url": league.url, "token": TOKENS["track-1"]},
        }
    )
    service = Service(settings, onsite)
    service.start(serve=False)
    server = BoardServer(service.app, "127.0.0.1", 0)
    server.start()
    try:
        wait_until(lambda: Outbox(onsite).backlog_count() == 0, 30, "the backlog")
        page: Any = browser.new_page()  # the session's one Chromium (tests/conftest.py)
        try:
            page.goto(f"http://127.0.0.1:{server.port}/control")
            page.fill("input[name=password]", STAFF_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#sync-refused li", timeout=15_000)
            refused = page.locator("#sync-refused li").all_text_contents()
            line = page.locator("#sync-state").text_content()
        finally:
            page.close()
    finally:
        server.stop()
        service.stop()
    assert len(refused) == 1
    assert refused[0].startswith("Refused racer spare: ")
    assert "belongs to timer 'track-a'" in refused[0]
    assert "1 refused" in line
