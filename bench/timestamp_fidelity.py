"""Timestamp fidelity of the GPIO gate under CPU load.

Every core is kept busy by a CPU hog process. The main thread, standing in for the pin
factory's callback thread, fires edges with known timestamps (`ticks`) into a `GpioGateAdapter` on
gpiozero's MockFactory, through the pin's real `when_changed` dispatch: per lap one car
pressing both strips of the community gate (BCM 17 then 27) plus, on some laps, a bounce.
The adapter hands crossings to an engine thread (a queue, as the service does), which
appends them to the run's log and folds `run_state`.

Printed figures:
- max |computed − expected| lap duration over all laps (target 0 ns): the lap time comes
  from edge timestamps, so load must not change it at all;
- the callback-to-engine delay (edge callback fired → run state updated) p50/p99/max:
  what load does change, and only for how fast the board updates.

Usage: ``python bench/timestamp_fidelity.py [--laps 1000] [--seed 1] [--hogs N]``.
Exits 1 if any lap duration is off.
"""

from __future__ import annotations

import argparse
import itertools
import os
import queue
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gpiozero.pins.mock import MockFactory
from gpiozero.pins.pi import PiPin

from lapgate.config.settings import GpioGate
from lapgate.hardware.gpio import GpioGateAdapter
from lapgate.timer.events import Crossing, GateCrossing
from lapgate.timer.run import RunConfig, RunLog, run_state

LAPS_PER_RUN = 40  # a run's laps must fit its time limit (≤ 600 s)
PRESS, RELEASE = 0, 1


def plan_edges(laps: int, seed: int) -> tuple[list[tuple[int, int, int]], list[int]]:
    """(bcm, t_ns, state) edges and the line instants they should time, per run of laps."""
    rng = random.Random(seed)
    t_ns = 864_000 * 10**9 + rng.randrange(10**9)  # ten days of uptime: large float ticks
    edges: list[tuple[int, int, int]] = []
    line_ns: list[int] = []
    for _ in range(laps + 1):
        line_ns.append(t_ns)
        second_ns = t_ns + rng.randrange(1_000_000, 8_000_000)  # the rear strip
        edges += [(17, t_ns, PRESS), (27, second_ns, PRESS), (27, second_ns + 15_000_000, RELEASE)]
        if rng.random() < 0.3:  # the front strip bounces: a second crossing for the lockout
            edges += [(17, second_ns + 20_000_000, RELEASE), (17, second_ns + 21_000_000, PRESS)]
        edges.append((17, second_ns + 40_000_000, RELEASE))
        t_ns += rng.randrange(5 * 10**9, 14 * 10**9)  # the lap
    return edges, line_ns


def start_hogs(count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def run_engine(
    inbox: queue.Queue[tuple[Crossing, int] | str],
    delays_ns: list[int],
    durations_ns: list[int],
) -> None:
    """The service's engine thread: append each crossing, fold the run, note the delay.

    ``"next"`` ends the current run (its laps are kept) and ``"done"`` the last one.
    """
    config = RunConfig(time_limit_ns=600 * 10**9, grace_ns=0, lockout_ns=2 * 10**9)
    log = RunLog(config)
    while True:
        item = inbox.get()
        if isinstance(item, str):
            durations_ns += [lap.duration_ns for lap in run_state(log).laps]
            log = RunLog(config)
            if item == "done":
                return
            continue
        crossing, fired_ns = item
        log = log.append(GateCrossing(crossing))
        run_state(log)
        delays_ns.append(time.monotonic_ns() - fired_ns)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hogs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    runs = max(1, args.laps // LAPS_PER_RUN)
    plans = [plan_edges(LAPS_PER_RUN, args.seed * 1000 + run) for run in range(runs)]
    line_ns = [lines for _, lines in plans]
    expected_ns = [b - a for lines in line_ns for a, b in itertools.pairwise(lines)]

    inbox: queue.Queue[tuple[Crossing, int] | str] = queue.Queue()
    fired: list[int] = [0]
    delays_ns: list[int] = []
    durations_ns: list[int] = []
    factory = MockFactory()
    adapter = GpioGateAdapter(GpioGate(id="finish"), factory=factory)
    adapter.start(lambda c: inbox.put((c, fired[0])), lambda n: None)
    engine = threading.Thread(target=run_engine, args=(inbox, delays_ns, durations_ns))
    engine.start()
    hogs = start_hogs(args.hogs)
    try:
        time.sleep(0.5)  # let the hogs take the cores
        pins = {bcm: adapter.pin(bcm) for bcm in (17, 27)}
        for run, (edges, _) in enumerate(plans):
            for bcm, t_ns, state in edges:
                fired[0] = time.monotonic_ns()
                PiPin._call_when_changed(pins[bcm], t_ns / 1e9, state)
                time.sleep(0.0005)  # edges arrive over time, not in one burst
            inbox.put("next" if run < runs - 1 else "done")
        engine.join()
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
        adapter.stop()
        factory.close()

    errors_ns = [abs(a - b) for a, b in zip(durations_ns, expected_ns, strict=False)]
    delays_ns.sort()

    def pct(p: float) -> float:
        return delays_ns[min(len(delays_ns) - 1, int(p * len(delays_ns)))] / 1000

    print(f"cpu hogs: {len(hogs)} (cores: {os.cpu_count()})")
    edge_count = sum(len(edges) for edges, _ in plans)
    print(f"edges injected: {edge_count}; crossings to engine: {len(delays_ns)}")
    print(f"laps timed: {len(durations_ns)} of {len(expected_ns)} expected")
    print(f"max lap duration error: {max(errors_ns, default=0)} ns (target 0 ns)")
    print(
        f"callback-to-engine delay: p50 {pct(0.50):.0f} µs, p99 {pct(0.99):.0f} µs, "
        f"max {delays_ns[-1] / 1000:.0f} µs"
    )
    ok = len(durations_ns) == len(expected_ns) and max(errors_ns, default=0) == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
