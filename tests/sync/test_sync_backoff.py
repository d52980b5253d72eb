"""The pusher backs off while the league is unreachable and coalesces wake-ups: racing
through an outage costs a handful of connection attempts (issue 15). Timings are scaled
down 20 times (0.5 → 60 s becomes 0.025 → 3 s, a 60 s outage 3 s); `bench/sync_outage.py`
measures the real 60 s figure."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sync_support import LeagueProcess, add_runs, pusher, racers, seed_site, wait_until

from lapgate.board.store.outbox import Outbox
from lapgate.board.store.sql import SqlStore

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(120)]
SCALE = 20


def test_an_outage_while_racing_costs_at_most_10_connection_attempts(
    league: LeagueProcess, site: Callable[[str], SqlStore]
) -> None:
    onsite = site("a")
    field = racers(4)
    info = seed_site(onsite, "track-a", field)
    add_runs(onsite, info, field, runs=2, laps=2, seed=1)
    p = pusher(onsite, league, min_backoff_s=0.5 / SCALE, max_backoff_s=60 / SCALE)
    p.start()
    try:
        wait_until(lambda: Outbox(onsite).backlog_count() == 0, 30, "the first sync")
        league.kill()
        before = p.snapshot()["connect_attempts"]
        outage_end = time.monotonic() + 60 / SCALE
        seed = 10
        while time.monotonic() < outage_end:  # racing: every stored lap wakes the pusher
            add_runs(onsite, info, field, runs=1, laps=1, seed=seed)
            seed += 1
            p.wake()
            time.sleep(0.02)
        attempts = p.snapshot()["connect_attempts"] - before
        assert 1 <= attempts <= 10, attempts
        assert p.snapshot()["last_error"] and p.snapshot()["retry_in_s"] > 0
        league.start()
        wait_until(lambda: Outbox(onsite).backlog_count() == 0, 30, "the backlog after")
    finally:
        p.stop()
