"""Engine-host cost of one crossing at a big event, and the size of what is pushed.

Builds a round with R racers who have each run once (L laps, in-memory store), stages one
more racer and times, per crossing, what the engine host does: rules, store append,
standings, and the track view that is broadcast. Prints the mean and max per crossing and
the pushed view's size.

    .venv/bin/python bench/board_scale.py               # R = 50, 200
    .venv/bin/python bench/board_scale.py --racers 400 --laps 20
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def measure(racers: int, laps: int, crossings: int) -> tuple[float, float, int]:
    from lapgate.board.live.race import Race
    from lapgate.board.live.views import track_view
    from lapgate.board.store import MemoryStore
    from lapgate.config import settings_from_dict
    from lapgate.timer.events import Crossing, EndRun, GateCrossing

    rng = random.Random(1)
    clock = [10**12]
    settings = settings_from_dict({"round": {"time_limit_s": 600, "lockout_s": 0}})
    race = Race(MemoryStore(), settings, {"finish": lambda: clock[0]})
    race.load()
    for index in range(racers):
        race.queue_add(None, race.add_racer(f"Racer {index}"))
    for _ in range(racers):
        run_id = race.stage(None)
        for _ in range(laps + 1):
            clock[0] += int(rng.uniform(8, 10) * 1e9)
            race.apply(run_id, GateCrossing(Crossing("finish", clock[0], "bench")))
        clock[0] += 10**9
        race.apply(run_id, EndRun(clock[0]))
        race.outbox.clear()
    race.queue_add(None, race.add_racer("Last racer"))
    run_id = race.stage(None)
    costs: list[float] = []
    view: dict[str, object] = {}
    for _ in range(crossings):
        clock[0] += 9 * 10**9
        started = time.perf_counter()
        race.apply(run_id, GateCrossing(Crossing("finish", clock[0], "bench")))
        view = track_view(race, race.track(None))
        costs.append((time.perf_counter() - started) * 1000)
        race.outbox.clear()
    return sum(costs) / len(costs), max(costs), len(json.dumps(view))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--racers", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--laps", type=int, default=15)
    parser.add_argument("--crossings", type=int, default=20)
    args = parser.parse_args()
    print(f"{args.laps} laps per earlier run, {args.crossings} crossings timed")
    print("| racers | mean ms per crossing | max ms | pushed track view KB |")
    print("|-------:|---------------------:|-------:|---------------------:|")
    for racers in args.racers:
        mean, worst, size = measure(racers, args.laps, args.crossings)
        print(f"| {racers} | {mean:.1f} | {worst:.1f} | {size / 1000:.1f} |")


if __name__ == "__main__":
    main()
