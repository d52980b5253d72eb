"""Crash safety of the event log: kill -9 the store + engine process at random moments.

A child process (SqlStore + `timer.staff.record`) appends gate crossings to a run, printing
``BEGIN <run> <event id>`` before and ``ACK <run> <event id>`` after each `append_event`
(committed when it returns). The parent kills it
with SIGKILL at a random moment (startup, between commits, mid-commit), then checks:

- every acknowledged event is in the database (lost events),
- the SQLite file passes ``PRAGMA integrity_check`` (corrupt databases),
- the run continues: the next child rebuilds the run from its log and appends the next id.

It also counts how many kills landed inside `append_event` (after BEGIN, before ACK: in the
transaction or its commit) and how many during start-up (migrations, log replay).

Usage: ``python bench/crash.py [--trials 50] [--seed 1] [--db PATH]``; prints
``trials / lost events / corrupt databases`` and exits 1 on any loss or corruption.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUND_ID = "crash-round"


def child(db_path: str) -> None:
    """Append crossings forever, printing ACK after each durable append."""
    sys.path.insert(0, str(ROOT))
    from lapgate.board.domain import EventInfo, Racer, RoundInfo, RunInfo
    from lapgate.board.store.sql import SqlStore
    from lapgate.timer.events import AdjustResets, Crossing, GateCrossing, RunEvent
    from lapgate.timer.formats import Format
    from lapgate.timer.run import RunConfig, RunLog, run_state
    from lapgate.timer.staff import record
    from lapgate.timer.units import NS_PER_S

    config = RunConfig(time_limit_ns=60 * NS_PER_S, grace_ns=5 * NS_PER_S)
    store = SqlStore(f"sqlite:///{db_path}")
    if store.load_event("crash-event") is None:
        store.save_event(EventInfo("crash-event", "bench", "Crash bench"))
        store.save_round(RoundInfo(ROUND_ID, "crash-event", "t1", "R1", 1, Format(), config))
        store.save_racer(Racer("crash-racer", "Crash Test"))
    runs = store.list_runs(ROUND_ID)
    log = store.load_log(runs[-1].run_id) if runs else RunLog(config)
    if not runs or run_state(log).is_over:
        seq = len(runs) + 1
        run_id = f"run-{seq:04d}"
        store.create_run(RunInfo(run_id, ROUND_ID, "crash-racer", seq, config))
        log = RunLog(config)
    else:
        run_id = runs[-1].run_id
    print(f"START {run_id} {log.next_id}", flush=True)
    t_ns = max((getattr(e.event, "t_ns", 0) for e in log.entries), default=0)
    while True:
        t_ns += 4 * NS_PER_S
        event: RunEvent = GateCrossing(Crossing("finish", t_ns, "sim"))
        if log.next_id % 5 == 0 and run_state(log).current_lap_start_ns is not None:
            event = AdjustResets(at_ns=t_ns - NS_PER_S, delta=1)
        if run_state(log).is_over:
            return  # the next child starts a new run
        log = record(log, event)
        print(f"BEGIN {run_id} {log.next_id - 1}", flush=True)
        store.append_event(run_id, log.next_id - 1, event)
        print(f"ACK {run_id} {log.next_id - 1}", flush=True)


@dataclass
class Report:
    trials: int = 0
    lost_events: int = 0
    corrupt_databases: int = 0
    not_continued: int = 0
    acked: int = 0
    killed_mid_append: int = 0  # the kill came between BEGIN and ACK: inside append_event
    killed_in_startup: int = 0  # before the child printed START
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost_events or self.corrupt_databases or self.not_continued)


def _read_lines(process: subprocess.Popen[str], lines: list[str], started: threading.Event) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.strip())
        if line.startswith("START"):
            started.set()
    started.set()


def _one_child(db_path: Path, rng: random.Random) -> list[str]:
    """Start a child, kill -9 it at a random moment, return every line it printed."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", str(db_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    lines: list[str] = []
    started = threading.Event()
    reader = threading.Thread(target=_read_lines, args=(process, lines, started), daemon=True)
    reader.start()
    if rng.random() < 0.1:  # sometimes during start-up (schema migration, log replay)
        time.sleep(rng.uniform(0.0, 1.0))
    else:
        started.wait(timeout=60)
        time.sleep(rng.uniform(0.0, 0.4))
    process.send_signal(signal.SIGKILL)
    process.wait()
    reader.join(timeout=10)
    if process.stdout is not None:
        process.stdout.close()
    return lines


def _parsed(lines: list[str], word: str) -> list[list[str]]:
    found = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[0] == word and parts[2].isdigit():
            found.append(parts)
    return found


def _stored_ids(db_path: Path) -> tuple[dict[str, list[int]], str]:
    conn = sqlite3.connect(str(db_path))
    try:
        check = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        stored: dict[str, list[int]] = {}
        try:
            query = "SELECT run_id, event_id FROM run_events ORDER BY run_id, event_id"
            for run_id, event_id in conn.execute(query):
                stored.setdefault(run_id, []).append(event_id)
        except sqlite3.OperationalError:
            pass  # killed before the schema existed
    finally:
        conn.close()
    return stored, check


def run_trials(trials: int, db_path: Path, seed: int = 1) -> Report:
    """Kill the child `trials` times; check acknowledged events, integrity, continuation."""
    rng = random.Random(seed)
    report = Report()
    expected_next: tuple[str, int] | None = None
    for trial in range(1, trials + 1):
        lines = _one_child(db_path, rng)
        report.trials += 1
        starts = _parsed(lines, "START")
        acks = _parsed(lines, "ACK")  # a line cut by the kill is not an acknowledgement
        report.acked += len(acks)
        begins = _parsed(lines, "BEGIN")
        if not starts:
            report.killed_in_startup += 1
        elif begins and (not acks or begins[-1][1:] != acks[-1][1:]):
            report.killed_mid_append += 1
        if starts and expected_next is not None:
            _, run_id, next_id = starts[0]
            same_run = run_id == expected_next[0]
            if same_run and int(next_id) != expected_next[1]:
                report.not_continued += 1
                report.problems.append(f"trial {trial}: resumed at {next_id}, not {expected_next}")
        stored, check = _stored_ids(db_path)
        if check != "ok":
            report.corrupt_databases += 1
            report.problems.append(f"trial {trial}: integrity_check: {check}")
        for _, run_id, event_id in acks:
            if int(event_id) not in stored.get(run_id, []):
                report.lost_events += 1
                report.problems.append(f"trial {trial}: ACKed {run_id}#{event_id} is missing")
        for run_id, ids in stored.items():
            if ids != list(range(1, len(ids) + 1)):
                report.problems.append(f"trial {trial}: {run_id} ids are not 1..n")
                report.not_continued += 1
        if stored:
            last_run = max(stored)
            expected_next = (last_run, len(stored[last_run]) + 1)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: temp)")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        db_path = args.db or Path(folder) / "crash.sqlite3"
        started = time.perf_counter()
        report = run_trials(args.trials, db_path, args.seed)
        elapsed_s = time.perf_counter() - started
    for problem in report.problems[:20]:
        print(problem)
    print(
        f"trials: {report.trials}  acknowledged events: {report.acked}  "
        f"lost events: {report.lost_events}  corrupt databases: {report.corrupt_databases}  "
        f"runs not continued: {report.not_continued}  ({elapsed_s:.1f} s)\n"
        f"kills inside append_event: {report.killed_mid_append}  "
        f"kills during start-up: {report.killed_in_startup}"
    )
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
