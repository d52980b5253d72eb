"""Each timer's last contact, backlog and refused records live in the central database
(`sync_contacts`, `sync_refusals`): a restarted league, and a second league process on the
same database, show the same on /api/league/timers (issue 15)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sync_support import ACK_S, LeagueProcess, add_runs, pusher, racers, seed_site

from lapgate.board.domain import Racer
from lapgate.board.store.sql import SqlStore

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]


def timers(league: LeagueProcess) -> dict[str, dict[str, Any]]:
    return {t["timer_id"]: t for t in league.staff_get("/api/league/timers")}


def test_contacts_survive_a_restart_and_are_shared_by_league_processes(
    tmp_path: Path,
    league: LeagueProcess,
    central_url: str,
    site: Callable[[str], SqlStore],
) -> None:
    b_site = site("b")
    seed_site(b_site, "track-b", [Racer("spare", "Spare at B")])
    pb = pusher(b_site, league, "track-b", ack_timeout_s=ACK_S)
    pb.push_once()
    pb.stop()
    a_site = site("a")
    field = racers(3)
    info = seed_site(a_site, "track-a", [*field, Racer("spare", "Spare at A")])  # refused
    add_runs(a_site, info, field, runs=4, laps=3, seed=2)
    pa = pusher(a_site, league, "track-a", ack_timeout_s=ACK_S, batch_size=10)
    try:
        pa.push_once()  # the records
        pa.push_once()  # the first 10 run events of 4 × 6
    finally:
        pa.stop()
    seen = timers(league)
    a = seen["track-a"]
    assert a["last_contact_s"] is not None
    assert (a["backlog_records"], a["backlog_events"]) == (0, 14)
    assert [r["id"] for r in a["refused"]] == ["spare"]
    assert seen["track-b"]["backlog_events"] == 0
    assert seen["track-1"]["last_contact_s"] is None  # never delivered

    league.kill()  # a crash: nothing is flushed on the way out
    league.start()
    assert timers(league) == seen

    (tmp_path / "second").mkdir()
    second = LeagueProcess(tmp_path / "second", central_url)  # same database, another port
    second.start()
    try:
        assert timers(second) == seen
        pa = pusher(a_site, second, "track-a", ack_timeout_s=ACK_S, batch_size=10)
        try:
            pa.push_once()  # the next cycle goes to the second process
        finally:
            pa.stop()
        later = timers(league)["track-a"]  # the first process shows what the second heard
        assert later["last_contact_s"] > a["last_contact_s"]
        assert (later["backlog_records"], later["backlog_events"]) == (0, 4)
        assert timers(second) == timers(league)
    finally:
        second.kill()
