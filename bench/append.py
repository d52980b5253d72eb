"""Cost of one durable append on the hot path, as a run's log grows.

Appends 120 gate crossings to one run in a fresh SQLite store, twice: with the laps the
engine host already folded (what `board.race.Race.apply` does), and without them (the
store reads the log back and replays it inside the transaction). Prints the mean time of
the first and last 10 appends of each.

Usage: ``python bench/append.py [--events 120]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lapgate.board.domain import EventInfo, Racer, RoundInfo, RunInfo
from lapgate.board.store.sql import SqlStore
from lapgate.timer.events import Crossing, GateCrossing
from lapgate.timer.formats import Format
from lapgate.timer.run import RunConfig, RunLog, run_state
from lapgate.timer.staff import record

NS_PER_S = 1_000_000_000
CONFIG = RunConfig(time_limit_ns=600 * NS_PER_S)


def append_times_s(events: int, pass_laps: bool) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        store = SqlStore(f"sqlite:///{folder}/append.sqlite3")
        store.save_event(EventInfo("event", "bench", "Bench"))
        store.save_round(RoundInfo("round", "event", "track", "Round", 1, Format(), CONFIG))
        store.save_racer(Racer("racer", "Racer"))
        store.create_run(RunInfo("run", "round", "racer", 1, CONFIG))
        log = RunLog(CONFIG)
        times: list[float] = []
        for index in range(events):
            event = GateCrossing(Crossing("finish", (1 + 4 * index) * NS_PER_S, "bench"))
            log = record(log, event)
            started = time.perf_counter()
            laps = run_state(log).laps if pass_laps else None
            store.append_event("run", index + 1, event, laps)
            times.append(time.perf_counter() - started)
        store.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=120)
    args = parser.parse_args()
    for label, pass_laps in (("laps from the caller", True), ("laps derived by the store", False)):
        times = append_times_s(args.events, pass_laps)
        first = sum(times[:10]) / 10 * 1000
        last = sum(times[-10:]) / 10 * 1000
        print(f"{label}: first 10 appends {first:.2f} ms, last 10 {last:.2f} ms")


if __name__ == "__main__":
    main()
