"""The venue daemon against spectators and faults, each case replayed on a real `lapgate run`.

Prints one figure per case (issue 14's targets in brackets):

- peak RSS under 40 concurrent wrong logins (< 200 MB);
- peak RSS under two chunked 400 MB bodies posted to /control/login (< 200 MB);
- SIGTERM mid-race: exit code and seconds (0 within 5 s);
- the data disk fills and frees mid-race (a 16 MB tmpfs, root needed): passings made,
  stored, lost (0), and whether the store's light turned red meanwhile;
- a daemon restart mid-race with the ZRound emulator: passings lost (0) and doubled (0).

Usage: ``python bench/robustness.py [--lap-s 1.0]``; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import errno
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from robust_support import (
    Daemon,
    Staff,
    decoder,
    free_port,
    hwm_mb,
    passings_lost,
    rss_mb,
    stored_crossings,
    venue_config,
)

TARGET_RSS_MB = 200.0
TARGET_STOP_S = 5.0
BODY_MB = 400


class Peak:
    """Samples a process's RSS at 50 Hz while in use; `peak_mb` is the highest seen."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mb = rss_mb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak_mb = max(self.peak_mb, rss_mb(self.pid))


def wait_until(check: Callable[[], object], what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def wrong_login(base: str) -> str:
    with requests.Session() as session:
        try:
            form = session.get(f"{base}/control", timeout=60).text
            token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            response = session.post(
                f"{base}/control/login",
                data={"password": "not the password", "csrf_token": token},
                allow_redirects=False,
                timeout=60,
            )
            return str(response.status_code)
        except (requests.RequestException, IndexError) as exc:
            return type(exc).__name__


def logins_phase(daemon: Daemon) -> float:
    before = rss_mb(daemon.pid)
    answers: Counter[str] = Counter()
    lock = threading.Lock()

    def one() -> None:
        answer = wrong_login(daemon.base)
        with lock:
            answers[answer] += 1

    threads = [threading.Thread(target=one) for _ in range(40)]
    with Peak(daemon.pid) as peak:
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
    print(
        f"40 concurrent wrong logins: RSS {before:.0f} MB before, peak {peak.peak_mb:.0f} MB "
        f"(VmHWM {hwm_mb(daemon.pid):.0f} MB) [< {TARGET_RSS_MB:.0f}]; {seconds:.1f} s; "
        f"answers {dict(answers)}"
    )
    return peak.peak_mb


def chunked_body() -> Iterator[bytes]:
    chunk = b"x" * (1 << 20)
    for _ in range(BODY_MB):
        yield chunk


def post_chunked(base: str, answers: list[str]) -> None:
    try:
        response = requests.post(
            f"{base}/control/login",
            data=chunked_body(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=120,
        )
        answers.append(str(response.status_code))
    except requests.RequestException as exc:
        answers.append(type(exc).__name__)


def bodies_phase(daemon: Daemon) -> float:
    before = rss_mb(daemon.pid)
    answers: list[str] = []
    threads = [threading.Thread(target=post_chunked, args=(daemon.base, answers)) for _ in "ab"]
    with Peak(daemon.pid) as peak:
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
    print(
        f"two chunked {BODY_MB} MB bodies to /control/login: RSS {before:.0f} MB before, "
        f"peak {peak.peak_mb:.0f} MB [< {TARGET_RSS_MB:.0f}]; {seconds:.1f} s; answers {answers}"
    )
    return peak.peak_mb


def start_run(daemon: Daemon) -> Staff:
    staff = Staff(daemon.base)
    staff.act("queue_add", alias="Alice", car="car-1").raise_for_status()
    staff.act("stage").raise_for_status()
    return staff


def stored_count(database: Path) -> int:
    return sum(len(times) for times in stored_crossings(database).values())


def restart_phase(tmp: Path, lap_s: float) -> tuple[int, float, int]:
    """SIGTERM mid-race, passings keep coming, start again: (exit code, seconds, lost)."""
    emulator, model, decoder_port = decoder(lap_s)
    port = free_port()
    daemon = Daemon(venue_config(tmp, port, decoder_port), port)
    database = tmp / "data" / "lapgate.sqlite3"
    try:
        daemon.start()
        start_run(daemon).close()
        wait_until(lambda: stored_count(database) >= 5, "five stored crossings")
        code, seconds = daemon.stop(signal.SIGTERM)
        down_from = len(model.passings)
        wait_until(lambda: len(model.passings) >= down_from + 4, "passings while down")
        daemon.start()
        wait_until(lambda: len(model.passings) >= down_from + 8, "passings after the restart")
        emulator.stop()
        time.sleep(2.0)  # the last passing's way to the store
        tally = passings_lost(model, stored_crossings(database))
        daemon.stop()
    finally:
        emulator.stop()
    print(
        f"SIGTERM mid-race (decoder on TCP, a run on track): exit code {code} in {seconds:.2f} s "
        f"[0 within {TARGET_STOP_S:.0f} s]"
    )
    print(
        f"restart mid-race with the ZRound emulator: {tally.made} passings in the run, "
        f"{tally.stored} stored, {len(tally.lost)} lost {tally.lost[:5]} [0], "
        f"{tally.doubled} doubled [0]; {daemon.tracebacks()} tracebacks in the log"
    )
    return code, seconds, len(tally.lost) + tally.doubled


@contextmanager
def small_disk(folder: Path) -> Iterator[Path | None]:
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True
    )
    try:
        yield folder if mounted.returncode == 0 else None
    finally:
        if mounted.returncode == 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    return filler


def disk_phase(tmp: Path, lap_s: float) -> int | None:
    """The data disk fills mid-race and frees: passings lost (None: no tmpfs here)."""
    with small_disk(tmp / "disk") as disk:
        if disk is None:
            print("disk fills and frees: skipped (mounting a tmpfs needs root)")
            return None
        emulator, model, decoder_port = decoder(lap_s)
        port = free_port()
        journal = tmp / "run" / "crossings.jsonl"
        config = venue_config(tmp, port, decoder_port, data_dir=disk / "data", journal=journal)
        daemon = Daemon(config, port)
        database = disk / "data" / "lapgate.sqlite3"
        try:
            daemon.start()
            start_run(daemon).close()
            wait_until(lambda: stored_count(database) >= 3, "three stored crossings")
            filler = fill(disk)
            filled = time.monotonic()

            def health() -> dict[str, object]:
                answer: dict[str, object] = requests.get(f"{daemon.base}/healthz", timeout=5).json()
                return answer

            wait_until(lambda: health()["store_status"] == "error", "the store's light red")
            red_after_s = time.monotonic() - filled
            detail = health()["store"]
            full_from = len(model.passings)
            wait_until(lambda: len(model.passings) >= full_from + 6, "passings while full")
            held = requests.get(f"{daemon.base}/healthz", timeout=5).json()["store"]["held"]
            filler.unlink()
            freed = time.monotonic()
            wait_until(lambda: health()["store_status"] == "ok", "the store's light ok again")
            ok_after_s = time.monotonic() - freed
            emulator.stop()
            time.sleep(2.0)
            tally = passings_lost(model, stored_crossings(database))
            daemon.stop()
        finally:
            emulator.stop()
    print(
        f"data disk full mid-race (16 MB tmpfs): light red {red_after_s:.1f} s after it filled "
        f"({detail}); {held} crossings held; ok again {ok_after_s:.1f} s after it freed"
    )
    print(
        f"  every crossing after the disk fills and frees: {tally.made} passings in the run, "
        f"{tally.stored} stored, {len(tally.lost)} lost [0], {tally.doubled} doubled [0]"
    )
    return len(tally.lost) + tally.doubled


def load_phases(tmp: Path, lap_s: float) -> tuple[float, float, int, float]:
    emulator, _model, decoder_port = decoder(lap_s)
    port = free_port()
    daemon = Daemon(venue_config(tmp, port, decoder_port), port)
    try:
        daemon.start()
        print(f"lapgate run started: RSS {rss_mb(daemon.pid):.0f} MB")
        logins = logins_phase(daemon)
        bodies = bodies_phase(daemon)
        code, seconds = daemon.stop(signal.SIGTERM)
        print(f"SIGTERM after the load: exit code {code} in {seconds:.2f} s")
    finally:
        emulator.stop()
    return logins, bodies, code, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lap-s", type=float, default=1.0, help="the emulated car's lap (s)")
    args = parser.parse_args()
    missed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lapgate-robust-") as folder:
        tmp = Path(folder)
        (tmp / "load").mkdir()
        logins, bodies, code, seconds = load_phases(tmp / "load", args.lap_s)
        (tmp / "restart").mkdir()
        code2, seconds2, lost = restart_phase(tmp / "restart", args.lap_s)
        (tmp / "full").mkdir()
        lost_full = disk_phase(tmp / "full", args.lap_s)
    if logins >= TARGET_RSS_MB:
        missed.append("RSS under 40 logins")
    if bodies >= TARGET_RSS_MB:
        missed.append("RSS under two 400 MB bodies")
    if code or code2 or max(seconds, seconds2) > TARGET_STOP_S:
        missed.append("SIGTERM exit 0 within 5 s")
    if lost:
        missed.append("passings across a restart")
    if lost_full:
        missed.append("crossings across a full disk")
    print("targets missed: " + (", ".join(missed) if missed else "none"))
    raise SystemExit(1 if missed else 0)


if __name__ == "__main__":
    main()
