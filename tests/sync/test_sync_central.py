"""Sync to the central store against the real PostgreSQL: a simulated event, the central
service killed and restarted, the pusher restarted, duplicated deliveries, a partition.
In every case the central store ends with exactly the on-site results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import socketio
from sync_support import (
    EVENT,
    LeagueProcess,
    add_runs,
    assert_same_results,
    event_count,
    event_count_of,
    pusher,
    racers,
    seed_site,
    wait_until,
)

from lapgate.board.store.outbox import Outbox
from lapgate.board.store.sql import SqlStore
from lapgate.board.sync.pusher import Pusher

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(120)]


def test_a_simulated_event_syncs_exactly(
    league: LeagueProcess,
    central_url: str,
    site: Callable[[str], SqlStore],
    central: Callable[[], SqlStore],
) -> None:
    onsite = site("a")
    info = seed_site(onsite, "track-a", racers(12))
    written = add_runs(onsite, info, racers(12), runs=30, laps=6, seed=1)
    p = pusher(onsite, league)
    p.start()
    try:
        wait_until(lambda: event_count(central_url) == written, 60, "every event to arrive")
        add_runs(onsite, info, racers(12), runs=5, laps=4, seed=2)  # live, after the backlog
        p.wake()
        wait_until(lambda: Outbox(onsite).backlog_count() == 0, 30, "the live runs")
        wait_until(lambda: p.snapshot()["queued_records"] == 0, 30, "records acknowledged")
    finally:
        p.stop()
    central_store = central()
    assert_same_results([onsite], central_store)
    state = p.snapshot()
    # A batch may time out on a loaded machine and be sent again (exactly once: checked
    # above); what counts is that the pusher's newest word is a success.
    assert state["last_success_s"] is not None
    assert state["last_error"] == "" or state["last_success_s"] >= state["last_error_s"]
    board = league.get(f"/api/league/events/{EVENT.event_id}/leaderboard")
    assert [r["racer_id"] for r in board["rows"]][:3] != []
    assert board["rows"][0]["rank"] == 1


def test_central_killed_and_restarted_mid_stream(
    league: LeagueProcess,
    central_url: str,
    site: Callable[[str], SqlStore],
    central: Callable[[], SqlStore],
) -> None:
    onsite = site("a")
    info = seed_site(onsite, "track-a", racers(10))
    written = add_runs(onsite, info, racers(10), runs=25, laps=14, seed=3)
    p = pusher(onsite, league, batch_size=20)
    p.start()
    try:
        wait_until(lambda: event_count(central_url) > 40, 60, "the stream to start")
        league.kill()
        assert 0 < event_count(central_url) < written
        wait_until(lambda: p.snapshot()["last_error"] != "", 30, "the pusher to see the outage")
        league.start()
        wait_until(lambda: event_count(central_url) == written, 90, "the rest after restart")
        wait_until(lambda: Outbox(onsite).backlog_count() == 0, 30, "acknowledgements")
    finally:
        p.stop()
    assert_same_results([onsite], central())


def test_pusher_restarted_mid_stream_and_duplicates_ignored(
    league: LeagueProcess,
    central_url: str,
    site: Callable[[str], SqlStore],
    central: Callable[[], SqlStore],
) -> None:
    onsite = site("a")
    info = seed_site(onsite, "track-a", racers(10))
    written = add_runs(onsite, info, racers(10), runs=25, laps=14, seed=4)
    first = pusher(onsite, league, batch_size=20)
    first.start()
    wait_until(lambda: event_count(central_url) > 40, 60, "the stream to start")
    first.stop()  # the daemon stops mid-stream
    assert event_count(central_url) < written
    # the daemon restarts with part of its watermarks lost: those items are delivered twice
    with onsite.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("DELETE FROM sync_marks WHERE kind = 'run_log'"))
    second = pusher(onsite, league, batch_size=20)
    second.start()
    try:
        wait_until(lambda: Outbox(onsite).backlog_count() == 0, 90, "the backlog to drain")
    finally:
        second.stop()
    assert second.snapshot()["duplicates"] > 0
    assert_same_results([onsite], central())


def test_partition_then_heal(
    league: LeagueProcess,
    central_url: str,
    site: Callable[[str], SqlStore],
    central: Callable[[], SqlStore],
) -> None:
    onsite = site("a")
    info = seed_site(onsite, "track-a", racers(8))
    written = add_runs(onsite, info, racers(8), runs=20, laps=12, seed=5)
    p = pusher(onsite, league, batch_size=20, ack_timeout_s=1.0)
    p.start()
    try:
        wait_until(lambda: event_count(central_url) > 30, 60, "the stream to start")
        league.pause()  # packets go nowhere: calls time out, connects hang
        wait_until(lambda: "imeout" in p.snapshot()["last_error"], 30, "a timeout")
        more = add_runs(onsite, info, racers(8), runs=5, laps=3, seed=6)  # racing goes on
        league.resume()
        wait_until(lambda: event_count(central_url) == written + more, 90, "the heal")
        wait_until(lambda: Outbox(onsite).backlog_count() == 0, 30, "acknowledgements")
    finally:
        p.stop()
    assert_same_results([onsite], central())


def test_two_tracks_feed_one_combined_leaderboard(
    league: LeagueProcess,
    central_url: str,
    site: Callable[[str], SqlStore],
    central: Callable[[], SqlStore],
    sio_client: Any,
) -> None:
    field = racers(6)
    stores = {t: site(t) for t in ("track-a", "track-b")}
    total = 0
    for n, (track, store) in enumerate(stores.items()):
        total += add_runs(store, seed_site(store, track, field), field, runs=12, laps=5, seed=n)
    updates: list[dict[str, Any]] = []
    page = sio_client(reconnection=False)  # the league page's live channel
    page.on("league_update", updates.append, namespace="/league")
    page.connect(league.url, namespaces=["/league"], wait_timeout=10)
    pushers = [pusher(store, league, track) for track, store in stores.items()]
    for p in pushers:
        p.start()
    try:
        wait_until(lambda: event_count(central_url) == total, 60, "both tracks")
        wait_until(lambda: all(p.snapshot()["queued_events"] == 0 for p in pushers), 30, "acks")
        wait_until(lambda: bool(updates), 10, "a live league_update")
    finally:
        for p in pushers:
            p.stop()
        page.disconnect()
    assert all(update["event_ids"] == [EVENT.event_id] for update in updates)
    central_store = central()
    assert_same_results(list(stores.values()), central_store)
    board = league.get(f"/api/league/events/{EVENT.event_id}/leaderboard")
    assert board["tracks"] == ["track-a", "track-b"]
    best: dict[str, float] = {}
    for store in stores.values():
        from lapgate.board.sync.league_view import event_leaderboard

        for row in event_leaderboard(store, EVENT.event_id)["rows"]:
            if row["best_lap_ms"] is not None:
                best[row["racer_id"]] = min(best.get(row["racer_id"], 1e12), row["best_lap_ms"])
    assert {r["racer_id"]: r["best_lap_ms"] for r in board["rows"]} == best
    assert {r["track_id"] for r in board["rows"]} == {"track-a", "track-b"}
    assert event_count_of(central_store) == total


def test_wrong_token_is_refused_and_logged(
    league: LeagueProcess, site: Callable[[str], SqlStore]
) -> None:
    onsite = site("a")
    seed_site(onsite, "track-a", racers(2))
    p = Pusher(onsite, league.url, "track-a", "wrong-token-" + "z" * 20, ack_timeout_s=2.0)
    with pytest.raises(socketio.exceptions.ConnectionError, match="failed to connect"):
        p.push_once()
    wait_until(lambda: "refused timer 'track-a'" in league.log_text(), 10, "the log line")
    assert Outbox(onsite).digests("event") == {}
