"""Helpers for the sync tests: a simulated event, a central service process, comparisons."""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

from lapgate.board.domain import EventInfo, Racer, RoundInfo, RunInfo
from lapgate.board.store.sql import SqlStore
from lapgate.board.sync.league_view import event_leaderboard
from lapgate.board.sync.pusher import Pusher
from lapgate.timer.events import (
    Crossing,
    EndRun,
    GateCrossing,
    InvalidateLap,
    RunEvent,
    event_to_dict,
)
from lapgate.timer.formats import Format
from lapgate.timer.run import RunConfig, run_state
from lapgate.timer.units import NS_PER_S

ROOT = Path(__file__).resolve().parents[2]
CONFIG = RunConfig(time_limit_ns=600 * NS_PER_S)
EVENT = EventInfo("ev-summit", "2026", "Summit (two tracks)", venue="Hall B")
TOKENS = {
    "track-a": "token-a-" + "x" * 24,
    "track-b": "token-b-" + "y" * 24,
    "track-1": "token-1-" + "w" * 24,
}
STAFF_PASSWORD = "league-staff-password"
ACK_S = 15.0  # for tests that call push_once themselves: a loaded machine is slow, not down


@contextmanager
def pg_schema(base_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"sync_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def racers(count: int) -> list[Racer]:
    """Racers shared by every track (registered from one list, so one id each)."""
    return [Racer(f"racer{i:04d}", f"Racer {i}", country="GB") for i in range(count)]


def seed_site(store: SqlStore, track_id: str, racer_list: list[Racer]) -> RoundInfo:
    store.save_event(EVENT)
    for racer in racer_list:
        store.save_racer(racer)
    info = RoundInfo(
        f"round-{track_id}",
        EVENT.event_id,
        track_id,
        f"Open {track_id}",
        1,
        Format(),
        CONFIG,
    )
    store.save_round(info)
    return info


def run_events(rng: random.Random, laps: int) -> list[RunEvent]:
    """A run: a rolling start, `laps` crossings, one lap invalidated, then the end."""
    t_ns = 10 * NS_PER_S
    events: list[RunEvent] = [GateCrossing(Crossing("finish", t_ns, "sim"))]
    for _ in range(laps):
        t_ns += int(rng.uniform(8.0, 14.0) * NS_PER_S)
        events.append(GateCrossing(Crossing("finish", t_ns, "sim")))
    events.append(InvalidateLap(at_ns=t_ns - NS_PER_S, reason="off track"))
    events.append(EndRun(t_ns + NS_PER_S))
    return events


def add_runs(
    store: SqlStore, info: RoundInfo, racer_list: list[Racer], runs: int, laps: int, seed: int
) -> int:
    """Register `runs` runs in the round and store their logs; return events written."""
    rng = random.Random(seed)
    start_seq = len(store.list_runs(info.round_id))
    written = 0
    for n in range(runs):
        racer = racer_list[(start_seq + n) % len(racer_list)]
        run = RunInfo(uuid.uuid4().hex, info.round_id, racer.racer_id, start_seq + n + 1, CONFIG)
        store.create_run(run)
        for event_id, event in enumerate(run_events(rng, laps), start=1):
            store.append_event(run.run_id, event_id, event)
            written += 1
    return written


def fill_backlog(store: SqlStore, events: int, per_run: int, track_id: str = "track-a") -> int:
    """Write `events` run events (runs of `per_run`) straight into the on-site tables."""
    from sqlalchemy import insert

    from lapgate.board.domain import RunInfo
    from lapgate.board.store.models import RunEventRow
    from lapgate.timer.events import event_kind, event_to_dict

    field = racers(50)
    info = seed_site(store, track_id, field)
    rng = random.Random(7)
    rows = []
    for n in range(events // per_run):
        run = RunInfo(
            uuid.uuid4().hex, info.round_id, field[n % len(field)].racer_id, n + 1, CONFIG
        )
        store.create_run(run)
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
    with store.engine.begin() as conn:
        conn.execute(insert(RunEventRow), rows)
    return len(rows)


def all_logs(store: SqlStore) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Every run's log as (event id, payload) pairs, by run id."""
    logs = {}
    for event in store.list_events():
        for info in store.list_rounds(event.event_id):
            for run in store.list_runs(info.round_id):
                log = store.load_log(run.run_id)
                logs[run.run_id] = [(e.event_id, event_to_dict(e.event)) for e in log.entries]
    return logs


def event_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM run_events")).scalar() or 0)
    except Exception:  # tables not created yet
        return 0
    finally:
        engine.dispose()


def assert_same_results(sites: list[SqlStore], central: SqlStore) -> None:
    """The central store holds exactly the sites' logs, laps and runs; none missing or
    doubled; and the combined leaderboard equals one computed from the sites' logs."""
    expected: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for site in sites:
        expected.update(all_logs(site))
    got = all_logs(central)
    assert sorted(got) == sorted(expected), "runs differ"
    for run_id, log in expected.items():
        assert got[run_id] == log, f"run {run_id} log differs"
        assert central.stored_lap_count(run_id) == len(run_state(central.load_log(run_id)).laps)
    total = sum(len(log) for log in expected.values())
    assert event_count_of(central) == total
    if len(sites) == 1:
        assert event_leaderboard(central, EVENT.event_id) == event_leaderboard(
            sites[0], EVENT.event_id
        )


def event_count_of(store: SqlStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM run_events")).scalar() or 0)


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def basic_auth(password: str) -> str:
    return "Basic " + base64.b64encode(f"staff:{password}".encode()).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LeagueProcess:
    """`lapgate league` in a child process on a fixed port (so it can be killed and
    restarted at the same address)."""

    def __init__(self, tmp_path: Path, database_url: str, message_queue: str = "") -> None:
        self.port = free_port()
        self.config = tmp_path / "league.toml"
        lines = [
            "[league]",
            f'database_url = "{database_url}"',
            f"port = {self.port}",
            f'message_queue = "{message_queue}"',
            f'staff_password_hash = "{generate_password_hash(STAFF_PASSWORD, "pbkdf2")}"',
        ]
        for timer_id, token in TOKENS.items():
            lines += ["[[league.timers]]", f'id = "{timer_id}"', f'token = "{token}"']
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.log = tmp_path / "league.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._out = out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from lapgate.board.cli import main; main()",
                "-v",
                "league",
                "--config",
                str(self.config),
            ],
            cwd=ROOT,
            stdout=out,
            stderr=out,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        wait_until(self.healthy, 90, "the league service to answer")  # a loaded CI box is slow

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=1) as res:
                return bool(json.load(res)["ok"])
        except OSError:
            return False

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as res:
            return json.load(res)

    def staff_get(self, path: str, password: str = STAFF_PASSWORD) -> Any:
        """GET `path` as league staff (HTTP Basic)."""
        request = urllib.request.Request(self.url + path)
        request.add_header("Authorization", basic_auth(password))
        with urllib.request.urlopen(request, timeout=10) as res:
            body = res.read()
        return json.loads(body) if path.startswith("/api/") else body.decode()

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, like a crash or a pulled plug."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None
            self._out.close()

    def pause(self) -> None:
        """SIGSTOP: connections hang (a partition: packets go nowhere)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def pusher(
    store: SqlStore, league: LeagueProcess, timer_id: str = "track-a", **kw: float
) -> Pusher:
    options = {
        "batch_size": 40,
        "poll_interval_s": 0.05,
        "min_backoff_s": 0.05,
        "max_backoff_s": 0.4,
        "ack_timeout_s": 2.0,
        **kw,
    }
    return Pusher(store, league.url, timer_id, TOKENS[timer_id], **options)  # type: ignore[arg-type]
