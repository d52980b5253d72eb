"""Against the real PostgreSQL and a real `lapgate league` process: a timer's token writes
only its own timer's records, and every refusal is answered with its reason and logged
with the timer's id (issue 15)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sync_support import (
    ACK_S,
    EVENT,
    TOKENS,
    LeagueProcess,
    add_runs,
    all_logs,
    pusher,
    racers,
    seed_site,
    wait_until,
)

from lapgate.board.domain import Racer, RunInfo
from lapgate.board.store.outbox import Outbox
from lapgate.board.store.sql import SqlStore
from lapgate.board.sync import wire
from lapgate.timer.events import Crossing, GateCrossing, InvalidateLap, event_to_dict
from lapgate.timer.units import NS_PER_S

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(120)]


def connect(sio_client: Callable[..., Any], league: LeagueProcess, timer_id: str) -> Any:
    client = sio_client(reconnection=False)
    client.connect(
        league.url,
        auth={"timer": timer_id, "token": TOKENS[timer_id]},
        namespaces=[wire.NAMESPACE],
        wait_timeout=10,
    )
    return client


def send(client: Any, items: list[Any]) -> dict[str, Any]:
    reply = client.call(wire.UPSERT, {"items": items}, namespace=wire.NAMESPACE, timeout=10)
    assert isinstance(reply, dict)
    return reply


def sync_all(store: SqlStore, league: LeagueProcess, timer_id: str) -> None:
    p = pusher(store, league, timer_id, ack_timeout_s=ACK_S)
    try:
        for _ in range(5):
            p.push_once()
        assert Outbox(store).backlog_count() == 0 and p.snapshot()["queued_records"] == 0
    finally:
        p.stop()


def test_a_token_writes_only_its_own_timers_records(
    league: LeagueProcess,
    site: Callable[[str], SqlStore],
    central: Callable[[], SqlStore],
    sio_client: Callable[..., Any],
) -> None:
    b_site = site("b")
    field = [*racers(3), Racer("bea-only-b", "Bea")]
    b_round = seed_site(b_site, "track-b", field)
    add_runs(b_site, b_round, field, runs=2, laps=3, seed=1)
    sync_all(b_site, league, "track-b")
    store = central()
    before = (store.get_racer("bea-only-b"), store.load_event(EVENT.event_id), all_logs(store))
    board_before = league.get(f"/api/league/events/{EVENT.event_id}/leaderboard")
    b_run = b_site.list_runs(b_round.round_id)[0]
    next_id = len(b_site.load_log(b_run.run_id).entries) + 1
    forged_lap = GateCrossing(Crossing("finish", 200 * NS_PER_S, "forged"))

    a = connect(sio_client, league, "track-a")
    reply = send(
        a,
        [
            {"kind": "racer", "data": wire.racer_to_wire(Racer("bea-only-b", "Renamed by A"))},
            {"kind": "event", "data": {**wire.event_to_wire(EVENT), "name": "Renamed by A"}},
            {
                "kind": wire.EVENT_KIND,
                "data": {
                    "run_id": b_run.run_id,
                    "event_id": next_id,
                    "payload": event_to_dict(forged_lap),
                },
            },
            {
                "kind": "run",
                "data": wire.run_to_wire(
                    RunInfo("a-run-in-b", b_round.round_id, "racer0000", 9, b_run.config)
                ),
            },
            # an identical copy of the shared event is not a write: answered as a duplicate
            {"kind": "event", "data": wire.event_to_wire(EVENT)},
        ],
    )
    assert reply["ok"] is False and reply["accepted"] == 1 and reply["duplicates"] == 1
    refused = {r["kind"]: r for r in reply["refused"]}
    assert [r["index"] for r in reply["refused"]] == [0, 1, 2, 3]
    assert (
        "belongs to timer 'track-b'; timer 'track-a' may not change it"
        in refused["racer"]["reason"]
    )
    assert "belongs to timer 'track-b'" in refused["event"]["reason"]
    assert "may not add to its log" in refused[wire.EVENT_KIND]["reason"]
    assert "may not add runs to it" in refused["run"]["reason"]
    wait_until(
        lambda: "timer 'track-a': refused racer 'bea-only-b'" in league.log_text(), 10, "log"
    )

    # B's data is unchanged: its racer, its event, its logs and the combined leaderboard
    assert (
        store.get_racer("bea-only-b"),
        store.load_event(EVENT.event_id),
        all_logs(store),
    ) == before
    assert store.get_run("a-run-in-b") is None
    assert league.get(f"/api/league/events/{EVENT.event_id}/leaderboard") == board_before

    # B's own later correction of that run still syncs (no conflict left behind)
    b_site.append_event(b_run.run_id, next_id, InvalidateLap(at_ns=15 * NS_PER_S, reason="cut"))
    b_site.save_racer(Racer("bea-only-b", "Bea B."))
    sync_all(b_site, league, "track-b")
    assert all_logs(store) == all_logs(b_site)
    assert store.get_racer("bea-only-b") == Racer("bea-only-b", "Bea B.")
