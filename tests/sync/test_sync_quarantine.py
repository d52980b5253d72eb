"""Against the real PostgreSQL and a real `lapgate league` process: the longest values a
venue accepts sync; a record the league refuses is quarantined at the venue (and listed on
the league's staff page) while the rest goes on, and is sent again once staff fix it
(issue 15)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sync_support import (
    ACK_S,
    CONFIG,
    EVENT,
    STAFF_PASSWORD,
    LeagueProcess,
    add_runs,
    all_logs,
    basic_auth,
    pusher,
    racers,
    seed_site,
    wait_until,
)

from lapgate.board.domain import EventInfo, Racer, RunInfo
from lapgate.board.store.outbox import Outbox
from lapgate.board.store.sql import SqlStore
from lapgate.config import limits

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(120)]


def test_a_refused_record_is_quarantined_and_the_rest_syncs(
    league: LeagueProcess,
    site: Callable[[str], SqlStore],
    central: Callable[[], SqlStore],
) -> None:
    field = racers(4)
    b_site = site("b")
    seed_site(b_site, "track-b", field)
    b_site.save_racer(Racer("racer0001", "Racer 1 (renamed at B)", country="GB"))
    pb = pusher(b_site, league, "track-b", ack_timeout_s=ACK_S)
    for _ in range(3):
        pb.push_once()
    pb.stop()

    a_site = site("a")
    a_round = seed_site(a_site, "track-a", field)  # its racer0001 differs from B's: refused
    long_event = EventInfo("ev-a-only", "2026", "A only", region="R" * 60)
    a_site.save_event(long_event)
    long_run = RunInfo(
        uuid.uuid4().hex,
        a_round.round_id,
        "racer0001",
        99,
        CONFIG,
        car="c" * 150,
        model_name="m" * limits.MODEL_NAME_MAX,
    )
    a_site.create_run(long_run)
    written = add_runs(a_site, a_round, field, runs=3, laps=3, seed=4)
    pa = pusher(a_site, league, "track-a", ack_timeout_s=ACK_S)
    pa.start()
    try:
        wait_until(lambda: Outbox(a_site).backlog_count() == 0, 30, "A's run events")
        wait_until(lambda: pa.snapshot()["queued_records"] == 0, 30, "A's records")
        state = pa.snapshot()
        assert [(r["kind"], r["id"]) for r in state["refused"]] == [("racer", "racer0001")]
        assert "belongs to timer 'track-b'" in state["refused"][0]["reason"]
        store = central()
        assert sum(len(log) for log in all_logs(store).values()) >= written
        assert store.get_run(long_run.run_id) == long_run  # a 150-character car
        assert store.load_event("ev-a-only") == long_event  # a 60-character region
        staff = league.staff_get("/api/league/timers")
        by_timer = {t["timer_id"]: t for t in staff}
        assert [r["id"] for r in by_timer["track-a"]["refused"]] == ["racer0001"]
        assert by_timer["track-a"]["last_contact_s"] is not None
        assert by_timer["track-b"]["records_owned"] > 0
        assert "racer0001" in league.staff_get("/staff")

        # staff fix it at the venue (here: take B's spelling); it is sent again, accepted
        a_site.save_racer(Racer("racer0001", "Racer 1 (renamed at B)", country="GB"))
        pa.wake()
        wait_until(lambda: pa.snapshot()["refused"] == [], 30, "the quarantine to clear")
        wait_until(lambda: league.staff_get("/api/league/timers")[0]["refused"] == [], 10, "league")
    finally:
        pa.stop()


def test_staff_pages_need_the_password(league: LeagueProcess) -> None:
    for password in ("", "wrong"):
        request = urllib.request.Request(league.url + "/api/league/timers")
        if password:
            request.add_header("Authorization", basic_auth(password))
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
        refused.value.close()


def test_staff_merge_one_person_registered_at_two_venues(
    league: LeagueProcess, site: Callable[[str], SqlStore]
) -> None:
    for track, racer_id in (("track-a", "ada-at-a"), ("track-b", "ada-at-b")):
        store = site(track)
        info = seed_site(store, track, [Racer(racer_id, "Ada Lovelace")])
        add_runs(store, info, [Racer(racer_id, "Ada Lovelace")], runs=1, laps=3, seed=7)
        p = pusher(store, league, track, ack_timeout_s=ACK_S)
        for _ in range(3):
            p.push_once()
        p.stop()
    board_path = f"/api/league/events/{EVENT.event_id}/leaderboard"
    assert {r["racer_id"] for r in league.get(board_path)["rows"]} == {"ada-at-a", "ada-at-b"}
    request = urllib.request.Request(
        league.url + "/api/league/racers/merge",
        data=json.dumps({"kept_id": "ada-at-a", "merged_id": "ada-at-b"}).encode(),
        headers={"Content-Type": "application/json", "Authorization": basic_auth(STAFF_PASSWORD)},
    )
    with urllib.request.urlopen(request, timeout=10) as res:
        assert json.load(res)["kept_id"] == "ada-at-a"
    rows = league.get(board_path)["rows"]
    assert [r["racer_id"] for r in rows] == ["ada-at-a"]
    assert {r["track_id"] for r in rows} <= {"track-a", "track-b"}


def test_what_depended_on_a_refused_record_goes_again_once_it_is_fixed(
    league: LeagueProcess, site: Callable[[str], SqlStore], central: Callable[[], SqlStore]
) -> None:
    onsite = site("a")
    field = racers(2)
    info = seed_site(onsite, "track-a", field)
    written = add_runs(onsite, info, field, runs=2, laps=2, seed=3)
    # a value longer than the venue accepts, as an older venue version could have stored
    with onsite.engine.begin() as conn:
        conn.execute(text("UPDATE events SET region = :r"), {"r": "r" * 150})
    p = pusher(onsite, league, ack_timeout_s=ACK_S)
    for _ in range(3):
        p.push_once()
    refused = {(r["kind"], r["id"]) for r in p.snapshot()["refused"]}
    assert ("event", EVENT.event_id) in refused and ("round", info.round_id) in refused
    reasons = " ".join(r["reason"] for r in p.snapshot()["refused"])
    assert "region: got a 150-character string, expected text of at most 100" in reasons
    onsite.save_event(EVENT)  # staff fix the event at the venue
    for _ in range(4):
        p.push_once()
    p.stop()
    assert p.snapshot()["refused"] == []
    assert Outbox(onsite).backlog_count() == 0
    assert sum(len(log) for log in all_logs(central()).values()) == written
