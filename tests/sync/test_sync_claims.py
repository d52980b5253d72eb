"""Records the league stored before it kept owners (migration 0007) get owners
deterministically: from their tracks when the league starts, by `lapgate league claim`, and
otherwise only by a timer of their track sending them again (issue 15). Real PostgreSQL,
real `lapgate league` processes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sync_support import (
    ACK_S,
    EVENT,
    ROOT,
    TOKENS,
    LeagueProcess,
    add_runs,
    all_logs,
    pusher,
    seed_site,
)

from lapgate.board.domain import EventInfo, Racer
from lapgate.board.store.sql import SqlStore
from lapgate.board.store.sync_ledger import SyncLedger
from lapgate.board.sync import wire
from lapgate.board.sync.claims import plan_claims
from lapgate.timer.events import Crossing, GateCrossing, event_to_dict
from lapgate.timer.units import NS_PER_S

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]


def two_venues(league: LeagueProcess, site: Callable[[str], SqlStore]) -> dict[str, SqlStore]:
    """Track A and track B, each with its own racers and runs, synced; B also registered a
    racer who has not raced yet."""
    stores = {}
    for track in ("track-a", "track-b"):
        store = site(track)
        field = [Racer(f"{track}-r{i}", f"Racer {i} of {track}") for i in range(2)]
        info = seed_site(store, track, field)
        add_runs(store, info, field, runs=2, laps=2, seed=len(track))
        if track == "track-b":
            store.save_racer(Racer("b-no-runs", "Registered only"))
        p = pusher(store, league, track, ack_timeout_s=ACK_S)
        for _ in range(3):
            p.push_once()
        p.stop()
        stores[track] = store
    return stores


def owners(store: SqlStore) -> dict[tuple[str, str], str]:
    ledger = SyncLedger(store)
    return {
        (kind, record_id): timer_id
        for kind in ("event", "racer", "round", "run")
        for record_id, timer_id in ledger.owned(kind).items()
    }


def forget_owners(store: SqlStore) -> None:
    """The central database as before migration 0007: no owner for anything."""
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM sync_owners"))


def send(
    sio_client: Callable[..., Any], league: LeagueProcess, timer: str, items: list[Any]
) -> Any:
    client = sio_client(reconnection=False)
    client.connect(
        league.url,
        auth={"timer": timer, "token": TOKENS[timer]},
        namespaces=[wire.NAMESPACE],
        wait_timeout=10,
    )
    return client.call(wire.UPSERT, {"items": items}, namespace=wire.NAMESPACE, timeout=10)


def test_the_league_gives_owners_by_track_when_it_starts(
    league: LeagueProcess,
    site: Callable[[str], SqlStore],
    central: Callable[[], SqlStore],
    sio_client: Callable[..., Any],
) -> None:
    stores = two_venues(league, site)
    store = central()
    before = owners(store)
    assert before[("run", stores["track-b"].list_runs("round-track-b")[0].run_id)] == "track-b"
    forget_owners(store)

    league.kill()
    league.start()
    after = owners(store)
    # runs, rounds and raced racers by their track; the shared event by its first round
    # (round-track-a); the racer who has not raced yet stays ownerless
    expected = {k: v for k, v in before.items() if k != ("racer", "b-no-runs")}
    expected[("event", EVENT.event_id)] = "track-a"
    assert after == expected
    assert "1 record has no owner yet" in league.log_text()

    # the ownerless racer: the first timer that sends it again claims it
    reply = send(
        sio_client,
        league,
        "track-b",
        [{"kind": "racer", "data": wire.racer_to_wire(Racer("b-no-runs", "Registered only"))}],
    )
    assert reply["ok"] is True
    assert owners(store)[("racer", "b-no-runs")] == "track-b"


def test_an_ownerless_run_is_claimed_only_by_a_timer_of_its_track(
    league: LeagueProcess,
    site: Callable[[str], SqlStore],
    central: Callable[[], SqlStore],
    sio_client: Callable[..., Any],
) -> None:
    stores = two_venues(league, site)
    store = central()
    forget_owners(store)  # the league was not restarted: nothing claimed yet
    b_run = stores["track-b"].list_runs("round-track-b")[0]
    logs = all_logs(store)
    next_id = len(logs[b_run.run_id]) + 1
    forged = GateCrossing(Crossing("finish", 300 * NS_PER_S, "forged"))
    reply = send(
        sio_client,
        league,
        "track-a",
        [
            {"kind": "run", "data": wire.run_to_wire(b_run)},
            {
                "kind": wire.EVENT_KIND,
                "data": {
                    "run_id": b_run.run_id,
                    "event_id": next_id,
                    "payload": event_to_dict(forged),
                },
            },
        ],
    )
    assert [r["index"] for r in reply["refused"]] == [0, 1]
    assert all("which timer 'track-a' does not serve" in r["reason"] for r in reply["refused"])
    assert all_logs(store) == logs
    assert ("run", b_run.run_id) not in owners(store)

    reply = send(sio_client, league, "track-b", [{"kind": "run", "data": wire.run_to_wire(b_run)}])
    assert reply["ok"] is True and reply["duplicates"] == 1
    assert owners(store)[("run", b_run.run_id)] == "track-b"


def claim_cli(league: LeagueProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from lapgate.board.cli import main; main()",
            "league",
            "claim",
            "--config",
            str(league.config),
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_league_claim_command(
    league: LeagueProcess,
    site: Callable[[str], SqlStore],
    central: Callable[[], SqlStore],
) -> None:
    two_venues(league, site)
    store = central()
    store.save_event(EventInfo("ev-typed-in", "2026", "Typed in at the league"))  # no rounds
    forget_owners(store)
    plan = plan_claims(store, list(TOKENS))
    assert sorted(plan.ownerless) == [("event", "ev-typed-in"), ("racer", "b-no-runs")]

    dry = claim_cli(league, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "no owner: racer b-no-runs" in dry.stdout and "dry run: nothing changed" in dry.stdout
    assert owners(store) == {}

    wrong = claim_cli(league, "--timer", "track-z")
    assert wrong.returncode != 0
    assert "got 'track-z', expected one of the configured timers" in wrong.stderr

    done = claim_cli(league, "--timer", "track-b")
    assert done.returncode == 0, done.stderr
    assert "0 left without owner" in done.stdout
    claimed = owners(store)
    assert claimed[("racer", "b-no-runs")] == "track-b"
    assert claimed[("event", "ev-typed-in")] == "track-b"
    assert claimed[("racer", "track-a-r0")] == "track-a"  # by track, not the fallback
    assert claimed == {**claimed, **{k: v for k, v in plan.owners.items()}}
