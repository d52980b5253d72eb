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
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sync"))

POSTGRES_URL = os.environ.get(
    "LAPGATE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--per-run", type=int, default=20)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()

    from sync_support import TOKENS, LeagueProcess, event_count_of, fill_backlog, pg_schema

    from lapgate.board.store.outbox import Outbox
    from lapgate.board.store.sql import SqlStore
    from lapgate.board.sync.pusher import Pusher

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
