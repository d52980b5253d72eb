"""How fast a sync backlog drains after an outage: N queued run events → central store.

Builds an on-site SQLite store holding N run events (default 10,000: 500 runs of 20
events) none of which the central service has acknowledged, starts `lapgate league` on a
fresh PostgreSQL schema, then times a `Pusher` from start until every event is
acknowledged, and checks the central store holds exactly N events. Needs PostgreSQL at
127.0.0.1:5432 (database test; LAPGATE_TEST_POSTGRES overrides).

    .venv/bin/python bench/sync.py
    .venv/bin/python bench/sync.py --events 20000 --batch 1000
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sync"))

POSTGRES_URL = os.environ.get(
    "LAPGATE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def fill_backlog(store: object, events: int, per_run: int) -> int:
    """Write `events` run events (runs of `per_run`) straight into the on-site tables."""
    from sqlalchemy import insert
    from sync_support import CONFIG, racers, run_events, seed_site

    from board.domain import RunInfo
    from board.store.models import RunEventRow
    from timer.events import event_kind, event_to_dict

    field = racers(50)
    info = seed_site(store, "track-a", field)  # type: ignore[arg-type]
    rng = random.Random(7)
    rows = []
    for n in range(events // per_run):
        run = RunInfo(
            uuid.uuid4().hex, info.round_id, field[n % len(field)].racer_id, n + 1, CONFIG
        )
        store.create_run(run)  # type: ignore[attr-defined]
        for event_id, event in enumerate(run_events(rng, per_run - 3), start=1):
            payload = event_to_dict(event)
            rows.append(
                {
                    "run_id": run.run_id,
                    "event_id": event_id,
                    "kind": event_kind(event),
                    "payload": payload,
                }
            )
    with store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(insert(RunEventRow), rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--per-run", type=int, default=20)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()

    from sync_support import TOKENS, LeagueProcess, event_count_of, pg_schema

    from board.store.outbox import Outbox
    from board.store.sql import SqlStore
    from board.sync.pusher import Pusher

    folder = Path(tempfile.mkdtemp(prefix="lapgate-bench-sync-"))
    onsite = SqlStore(f"sqlite:///{folder / 'site.sqlite3'}")
    queued = fill_backlog(onsite, args.events, args.per_run)
    with pg_schema(POSTGRES_URL) as central_url:
        central = SqlStore(central_url)
        league = LeagueProcess(folder, central_url)
        league.start()
        outbox = Outbox(onsite)
        print(
            f"backlog: {outbox.backlog_count()} run events in {queued // args.per_run} runs "
            f"(+ records), batch {args.batch}"
        )
        pusher = Pusher(
            onsite,
            league.url,
            "track-a",
            TOKENS["track-a"],
            batch_size=args.batch,
            poll_interval_s=0.05,
        )
        start_s = time.perf_counter()
        pusher.start()
        try:
            while outbox.backlog_count():
                time.sleep(0.05)
            drained_s = time.perf_counter() - start_s
        finally:
            pusher.stop()
            league.kill()
        stored = event_count_of(central)
        central.close()
    onsite.close()
    print(
        f"drained {queued} queued results in {drained_s:.1f} s "
        f"({queued / drained_s:.0f} events/s); central holds {stored} "
        f"({'exact' if stored == queued else 'MISMATCH'})"
    )


if __name__ == "__main__":
    main()
