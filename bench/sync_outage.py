"""How many times the pusher tries to connect during a league outage while racing.

Starts a `Pusher` with the daemon's real back-off (0.5 s doubling to 60 s, jitter) against
an address where nothing listens (the league is down), stores a lap and wakes the pusher
every 0.1 s for the whole outage (default 60 s), and prints the connection attempts and
their times. Needs no database server (the venue store is SQLite).

    .venv/bin/python bench/sync_outage.py
    .venv/bin/python bench/sync_outage.py --outage-s 120
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "sync"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage-s", type=float, default=60.0)
    parser.add_argument("--wake-every-s", type=float, default=0.1)
    args = parser.parse_args()

    from sync_support import TOKENS, add_runs, free_port, racers, seed_site

    from lapgate.board.store.sql import SqlStore
    from lapgate.board.sync.pusher import Pusher

    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqlStore(f"sqlite:///{Path(tmp) / 'site.sqlite3'}")
        field = racers(4)
        info = seed_site(store, "track-a", field)
        url = f"http://127.0.0.1:{free_port()}"  # nothing listens: the league is down
        pusher = Pusher(store, url, "track-a", TOKENS["track-a"], ack_timeout_s=5.0)
        attempts: list[float] = []
        previous = 0
        started = time.monotonic()
        pusher.start()
        seed = 1
        while time.monotonic() - started < args.outage_s:
            add_runs(store, info, field, runs=1, laps=1, seed=seed)  # racing goes on
            seed += 1
            pusher.wake()
            count = pusher.snapshot()["connect_attempts"]
            attempts += [round(time.monotonic() - started, 1)] * (count - previous)
            previous = count
            time.sleep(args.wake_every_s)
        pusher.stop()
        store.close()
    print(
        f"{args.outage_s:.0f} s outage, {seed - 1} runs stored and as many wake-ups: "
        f"{len(attempts)} connection attempts, at {attempts} s"
    )


if __name__ == "__main__":
    main()
