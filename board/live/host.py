"""The engine host: one thread that owns the live core and orders everything that changes it.

Gate callbacks (which may come from C threads), staff requests and the clock all enqueue
commands; the host thread runs them one at a time against `board.live.race.Race`, so no lock
guards race state. For each change the race persists through the store first; the host
then numbers the resulting message (`seq` 1, 2, …) and hands it to every listener (the
Socket.IO layer). A listener that sees a gap in `seq` asks for a fresh snapshot.

Between commands the host wakes every `tick_s` to append `TimeUp` to runs whose time ran
out: the only clock reads of the race engine happen here, never in `timer/`.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from lapgate.board.live import backlog, commands
from lapgate.board.live.race import ActionError, Race
from lapgate.board.live.views import message_view, snapshot_view
from lapgate.timer.errors import LapgateError
from lapgate.timer.events import Crossing

log = logging.getLogger(__name__)

T = TypeVar("T")
Listener = Callable[[dict[str, Any]], None]
# A command runs on the host thread and may return a completion to call after the flush.
Command = Callable[[], Callable[[], None] | None]
DEFAULT_TIMEOUT_S = 10.0
TIMINGS_KEPT = 1000
STORE_RETRY_S = 1.0  # how often held crossings are offered to a failing store again
KEYS_KEPT = 1000  # idempotency keys remembered (staff actions of the last hours)
KEY_PATTERN = re.compile(r"[A-Za-z0-9._:-]{8,128}")


class Notice(Protocol):
    """What the host needs of a gate adapter's notice (hardware.base.GateNotice)."""

    gate_id: str
    t_ns: int
    kind: str
    detail: str
    sensor: str  # the sensor, link or car it is about ("" when none)


class Gate(Protocol):
    """What the host needs of a gate adapter (hardware.base.GateAdapter)."""

    gate_id: str

    def run_staged(self, racer: str) -> None: ...

    def run_ended(self, start_ns: int, end_ns: int) -> None: ...


class HostStopped(LapgateError, RuntimeError):
    """The engine host is not running, so it cannot take the command."""


class NotRun(TimeoutError):
    """The host did not start the work in time; it was cancelled and never runs."""


class StillRunning(TimeoutError):
    """The host started the work and has not finished it in time; it will complete."""


@dataclass
class _Keyed:
    """A staff action under an idempotency key: what it was, and its one answer."""

    what: tuple[str, str]  # command name, canonical payload
    future: Future[Any]


def _checked_key(key: object) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ActionError(
            "Idempotency-Key: got {key!r:.60}, expected 8 to 128 letters, digits or ._:-", key=key
        )
    return key


def _wait(future: Future[T], timeout_s: float) -> T:
    try:
        return future.result(timeout=timeout_s)
    except CancelledError:  # another caller waiting on the same action cancelled it
        raise NotRun("cancelled: nothing was changed") from None
    except FutureTimeout:
        if future.cancel():
            raise NotRun(
                f"not started within {timeout_s:g} s, cancelled: nothing was changed"
            ) from None
        raise StillRunning(
            f"still being applied after {timeout_s:g} s; send it again with the same "
            "Idempotency-Key to get its answer"
        ) from None


class EngineHost:
    """Runs `Race` on its own thread; thread-safe entry points enqueue work for it."""

    def __init__(
        self, race: Race, *, tick_s: float = 0.05, gates: Mapping[str, Gate] | None = None
    ) -> None:
        self.race = race
        self.tick_s = tick_s
        self.gates = dict(gates or {})
        # Each command with the monotonic time (ns) it was enqueued at.
        self._commands: queue.SimpleQueue[tuple[Command, int] | None] = queue.SimpleQueue()
        self._listeners: list[Listener] = []
        self._drains: list[Callable[[float], bool]] = []
        self._seq = 0
        self._thread: threading.Thread | None = None
        # Enqueue → durable commit (ns) of the last commands that changed something, and how
        # many such commands ran: the figure that must not grow with the number of screens.
        self.commit_ns: deque[int] = deque(maxlen=TIMINGS_KEPT)
        self.commits = 0
        self._next_retry = 0.0
        self.action_timeout_s = DEFAULT_TIMEOUT_S  # a staff action's wait for the host
        self._keys_lock = threading.Lock()
        self._keys: OrderedDict[str, _Keyed] = OrderedDict()  # idempotency key → action

    # ---- life cycle -----------------------------------------------------------------

    def start(self) -> None:
        """Rebuild the race from the store, then start the host thread."""
        self.race.load()
        self._thread = threading.Thread(target=self._loop, name="engine-host", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._commands.put(None)
        self._thread.join(timeout=5)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def subscribe(self, listener: Listener, drain: Callable[[float], bool] | None = None) -> None:
        """`listener(message)` is called on the host thread for every numbered message.

        It must return at once (board/web/delivery.py hands the message to a delivery
        thread): the next crossing waits until every listener has returned. A listener that
        sends later gives `drain(timeout_s)`, which waits until what it was given has gone
        out (`sync` waits for it).
        """
        self._listeners.append(listener)
        if drain is not None:
            self._drains.append(drain)

    # ---- entry points (any thread) --------------------------------------------------

    def on_crossing(self, crossing: Crossing) -> None:
        """Gate sink: enqueue a crossing; returns at once (safe from a C callback thread)."""
        self._commands.put((lambda: self._crossing(crossing), time.monotonic_ns()))

    def on_notice(self, notice: Notice) -> None:
        """Gate sink: enqueue a health notice."""
        self._commands.put((lambda: self._notice(notice), time.monotonic_ns()))

    def submit(self, work: Callable[[Race], T]) -> Future[T]:
        """Run `work(race)` on the host thread; the future resolves once its messages are
        committed and handed to the listeners (with a delivery queue: before they are sent)."""
        future: Future[T] = Future()

        def command() -> Callable[[], None] | None:
            if not future.set_running_or_notify_cancel():
                return None
            try:
                result = work(self.race)
            except BaseException as exc:  # handed to the caller, who reports it
                error = exc
                return lambda: future.set_exception(error)
            return lambda: future.set_result(result)

        if not self.running:
            raise HostStopped("the engine host is not running; start it first")
        self._commands.put((command, time.monotonic_ns()))
        return future

    def call(self, work: Callable[[Race], T], timeout_s: float = DEFAULT_TIMEOUT_S) -> T:
        """`submit` and wait for the result (re-raising the work's error).

        Work the host did not start within `timeout_s` is cancelled (`NotRun`: it never
        runs); work it started and has not finished raises `StillRunning`.
        """
        return _wait(self.submit(work), timeout_s)

    def execute(
        self,
        name: object,
        payload: object,
        timeout_s: float | None = None,
        key: object = None,
    ) -> dict[str, Any]:
        """Check staff command `name` with `payload` here, run it on the host thread.

        Raises the command's lapgate error (bad value, rule, unknown id) as it is; a
        command that does not answer in time raises a TimeoutError: `NotRun` (cancelled,
        it never runs) or `StillRunning`. With an idempotency `key` (one per staff action,
        reused on retry), the action runs at most once: a retry waits for, and returns, the
        first attempt's answer (its result or its error).
        """
        spec, command = commands.parse(name, payload)
        timeout_s = self.action_timeout_s if timeout_s is None else timeout_s
        if key is None:
            return self.call(lambda race: commands.execute(race, spec, command), timeout_s)
        key = _checked_key(key)
        what = (spec.name, json.dumps(payload or {}, sort_keys=True, default=str))
        with self._keys_lock:
            entry = self._keys.get(key)
            if entry is None:
                future = self.submit(lambda race: commands.execute(race, spec, command))
                entry = self._keys[key] = _Keyed(what, future)
                while len(self._keys) > KEYS_KEPT:
                    self._keys.popitem(last=False)
            elif entry.what != what:
                raise ActionError(
                    "Idempotency-Key {key!r} was sent with {action} {payload:.80}; expected a new "
                    "key for each action",
                    key=key,
                    action=entry.what[0],
                    payload=entry.what[1],
                )
        try:
            return _wait(entry.future, timeout_s)
        except NotRun:
            with self._keys_lock:  # never ran: a retry with this key runs it afresh
                if self._keys.get(key) is entry:
                    del self._keys[key]
            raise

    def sync(self, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        """Wait until everything enqueued so far has run and been broadcast."""
        self.call(lambda race: None, timeout_s)
        for drain in self._drains:
            if not drain(timeout_s):
                raise TimeoutError(f"broadcasts not delivered within {timeout_s} s")

    def snapshot(self) -> dict[str, Any]:
        """A full snapshot with the `seq` of the last message it already includes."""
        return self.call(lambda race: self.snapshot_now())

    def send_snapshot(self, send: Callable[[dict[str, Any]], None]) -> None:
        """Call `send(snapshot)` on the host thread, so it is ordered with the broadcasts."""
        self.submit(lambda race: send(self.snapshot_now()))

    def snapshot_now(self) -> dict[str, Any]:
        """The snapshot as of now; only on the host thread (inside `submit`/`call` work)."""
        return {"seq": self._seq, **snapshot_view(self.race)}

    # ---- the host thread ------------------------------------------------------------

    def _crossing(self, crossing: Crossing) -> None:
        self.race.crossing(crossing)

    def _notice(self, notice: Notice) -> None:
        self.race.gate_notice(
            notice.gate_id, notice.kind, notice.detail, notice.t_ns, notice.sensor
        )

    def _loop(self) -> None:
        while True:
            try:
                item = self._commands.get(timeout=self.tick_s)
            except queue.Empty:
                item = (_idle, 0)
            if item is None:
                return
            command, enqueued_ns = item
            done = None
            try:
                self._retry_store()
                done = command()
                self.race.expire()
            except Exception:  # a bad crossing or notice must not stop the race
                log.exception("engine host command failed")
            if enqueued_ns and self.race.outbox:  # committed (the race stores before it tells)
                self.commit_ns.append(time.monotonic_ns() - enqueued_ns)
                self.commits += 1
            self._flush()
            if done is not None:
                done()

    def _retry_store(self) -> None:
        """Every `STORE_RETRY_S` while the store failed: store what waits (see backlog)."""
        race = self.race
        if not race.backlog.held and race.store_health.level != "error":
            return
        now = time.monotonic()
        if now < self._next_retry:
            return
        self._next_retry = now + STORE_RETRY_S
        backlog.retry(race)

    def _flush(self) -> None:
        outbox, self.race.outbox = self.race.outbox, []
        ended, self.race.ended_runs = self.race.ended_runs, []
        staged, self.race.staged_runs = self.race.staged_runs, []
        unstaged, self.race.unstaged_gates = self.race.unstaged_gates, []
        for message in outbox:
            self._seq += 1
            wire = {"seq": self._seq, **message_view(self.race, message)}
            for listener in self._listeners:
                try:
                    listener(wire)
                except Exception:
                    log.exception("listener failed on message %d", self._seq)
        for run_id in ended:
            self._tell_gate(run_id)
        for gate_id in unstaged:  # a run of no length: a simulated car leaves
            self._tell_gate_left(gate_id)
        for run_id in staged:  # after `ended`: a run is staged once the previous one is over
            self._tell_gate_staged(run_id)

    def _tell_gate_left(self, gate_id: str) -> None:
        gate = self.gates.get(gate_id)
        if gate is None:
            return
        now = self.race.clocks[gate_id]()
        try:
            gate.run_ended(now, now)
        except Exception:
            log.exception("gate %s failed on run_ended", gate_id)

    def _tell_gate(self, run_id: str) -> None:
        run = self.race.runs[run_id]
        track = self.race.track_of_run(run)
        gate = self.gates.get(track.gate_id)
        # A run ended before its first crossing (aborted or DNF while staged) has no start:
        # the gate still hears of it, as a run of no length, so a simulated car leaves.
        end = run.state.ended_ns if run.state.ended_ns is not None else self.race.now_ns(track)
        start = run.state.started_ns if run.state.started_ns is not None else end
        if gate is not None:
            try:
                gate.run_ended(start, end)
            except Exception:
                log.exception("gate %s failed on run_ended", track.gate_id)

    def _tell_gate_staged(self, run_id: str) -> None:
        """Tell the run's gate who is on track (the simulator then drives their car)."""
        run = self.race.runs[run_id]
        if run.state.is_over:  # staged and ended in one command (demo history): no car
            return
        track = self.race.track_of_run(run)
        gate = self.gates.get(track.gate_id)
        racer = self.race.racers.get(run.info.racer_id)
        if gate is not None and racer is not None:
            try:
                gate.run_staged(racer.alias)
            except Exception:
                log.exception("gate %s failed on run_staged", track.gate_id)


def _idle() -> None:
    """The tick: nothing to do but let the loop check deadlines."""
    return None
