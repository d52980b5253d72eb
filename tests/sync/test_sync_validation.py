"""Against the real PostgreSQL and a real `lapgate league` process: every field of a
delivery is checked, and every batch is answered, malformed or not (issue 15)."""

from __future__ import annotations

import random
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from sync_support import (
    ACK_S,
    EVENT,
    TOKENS,
    LeagueProcess,
    add_runs,
    pusher,
    racers,
    seed_site,
)

from lapgate.board.store.outbox import Outbox
from lapgate.board.store.sql import SqlStore
from lapgate.board.sync import wire

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(180)]

JUNK: list[Any] = [None, True, 1.5, -1, 10**30, "", "x" * 300, [], {}, [1], {"a": None}]


def connect(sio_client: Callable[..., Any], league: LeagueProcess) -> Any:
    client = sio_client(reconnection=False)
    client.connect(
        league.url,
        auth={"timer": "track-a", "token": TOKENS["track-a"]},
        namespaces=[wire.NAMESPACE],
        wait_timeout=10,
    )
    return client


def malformed(rng: random.Random, good: list[dict[str, Any]]) -> Any:
    """A batch with something wrong: its shape, an item's shape, or a field's value."""
    choice = rng.randrange(4)
    if choice == 0:
        return rng.choice([*JUNK, {"items": rng.choice(JUNK)}])
    items = [dict(i, data=dict(i["data"])) for i in rng.sample(good, rng.randint(1, 6))]
    item = rng.choice(items)
    if choice == 1:
        items[items.index(item)] = rng.choice([*JUNK, {"kind": rng.choice(JUNK), "data": {}}])
    elif choice == 2:
        item["data"][rng.choice(sorted(item["data"]))] = rng.choice(JUNK)
    else:
        del item["data"][rng.choice(sorted(item["data"]))]
    return {"items": items}


def status(league: LeagueProcess, path: str) -> int:
    with urllib.request.urlopen(league.url + path, timeout=10) as res:
        return int(res.status)


def test_400_malformed_batches_are_all_answered(
    league: LeagueProcess, site: Callable[[str], SqlStore], sio_client: Callable[..., Any]
) -> None:
    onsite = site("a")
    info = seed_site(onsite, "track-a", racers(3))
    add_runs(onsite, info, racers(3), runs=2, laps=2, seed=1)
    good = [item for item, _ in pusher(onsite, league)._pending_records({})]
    good += [
        {"kind": wire.EVENT_KIND, "data": e._asdict()} for e in Outbox(onsite).backlog_events(50)
    ]
    client = connect(sio_client, league)
    rng = random.Random(15)
    answers = []
    for _ in range(400):
        reply = client.call(wire.UPSERT, malformed(rng, good), namespace=wire.NAMESPACE, timeout=10)
        assert isinstance(reply, dict) and set(reply) >= {"ok", "applied", "refused", "error"}
        answers.append(reply)
    refused = [r for a in answers for r in a["refused"]]
    assert sum(not a["ok"] for a in answers) > 300
    assert all(r["reason"] for r in refused)
    assert "Traceback" not in league.log_text()
    assert status(league, "/api/standings") == 200


def test_bad_times_are_refused_and_the_standings_still_answer(
    league: LeagueProcess, site: Callable[[str], SqlStore], sio_client: Callable[..., Any]
) -> None:
    onsite = site("a")
    info = seed_site(onsite, "track-a", racers(2))
    add_runs(onsite, info, racers(2), runs=1, laps=2, seed=2)
    p = pusher(onsite, league, ack_timeout_s=ACK_S)
    for _ in range(3):
        p.push_once()
    p.stop()
    run = onsite.list_runs(info.round_id)[0]
    next_id = len(onsite.load_log(run.run_id).entries) + 1
    client = connect(sio_client, league)
    for bad in (1.5e10, 10**30, -5, "12", True, None):
        payload = {"kind": "crossing", "gate_id": "finish", "t_ns": bad, "source": "x"}
        item = {"run_id": run.run_id, "event_id": next_id, "payload": payload}
        reply = client.call(
            wire.UPSERT,
            {"items": [{"kind": wire.EVENT_KIND, "data": item}]},
            namespace=wire.NAMESPACE,
            timeout=10,
        )
        assert reply["ok"] is False and reply["accepted"] == 0, bad
        assert "t_ns: got" in reply["refused"][0]["reason"], reply
    for path in (
        "/api/standings",
        f"/api/league/events/{EVENT.event_id}/leaderboard",
        f"/api/league/events/{EVENT.event_id}/rounds",
    ):
        assert status(league, path) == 200, path
