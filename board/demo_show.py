"""`lapgate demo` over and over: each program is a fresh event on a fresh service.

`DemoShow` starts a `Service` for event #1 (built by the caller: the composition stays in
`board.commands.run_cmds`), gives its simulated gates the demo racers' skills and puts a
`DemoDirector` on it. When the director has shown the final results, the show retires
that service and starts the next event on the same port: its database wiped
(`fresh_sqlite`), its event named with the next number. Pages on the old service are
disconnected, so they reconnect by themselves and draw the new event from its snapshot:
nothing half-finished stays on screen. Staff stay logged in when the caller keeps the
secret key and password hash from one event to the next.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from lapgate.board.demo import DEMO_PAUSES, SKILLS, DemoDirector, Pauses
from lapgate.board.service import Service
from lapgate.hardware.simulator import SimulatedGateAdapter
from lapgate.timer.errors import LapgateError

log = logging.getLogger(__name__)

# (event number, port) → a service not started yet; port 0 only for the first event.
ServiceFactory = Callable[[int, int], Service]
SQLITE_SUFFIXES = ("", "-wal", "-shm")


DEMO_MARKER = ".lapgate-demo"  # in a folder whose database the demo may wipe


class NotADemoFolder(LapgateError, FileExistsError):
    """`lapgate demo --data DIR` names a folder holding a real event's database."""


def fresh_sqlite(db_file: Path) -> str:
    """The URL of an empty SQLite database at `db_file` (an earlier demo's is deleted).

    Refused (`NotADemoFolder`) when the file there is not a demo's: the demo never wipes a
    real event. A folder the demo made holds `DEMO_MARKER`.
    """
    check_demo_folder(db_file)
    db_file.parent.mkdir(parents=True, exist_ok=True)
    (db_file.parent / DEMO_MARKER).write_text(
        "lapgate demo: its database is wiped at every start\n", encoding="utf-8"
    )
    for suffix in SQLITE_SUFFIXES:
        db_file.with_name(db_file.name + suffix).unlink(missing_ok=True)
    return f"sqlite:///{db_file.resolve()}"


def check_demo_folder(db_file: Path, demo_event: str = "lapgate Demo Championship") -> None:
    """Raise `NotADemoFolder` unless `db_file` is absent, or a demo's to wipe.

    A demo's: its folder holds `DEMO_MARKER`, or (made before the marker) every event in it
    is named `<demo_event> #N` and it holds no league result.
    """
    if not db_file.exists() or (db_file.parent / DEMO_MARKER).exists():
        return
    folder = db_file.parent
    try:
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True) as connection:
            names = [str(n) for (n,) in connection.execute("SELECT name FROM events")]
            results = connection.execute("SELECT count(*) FROM results").fetchone()[0]
    except sqlite3.Error as exc:
        raise NotADemoFolder(
            "--data {folder!r}: {db_file_name} is not a demo database ({exc}); the demo wipes "
            "its folder's database: give it a folder of its own (default lapgate-demo)",
            folder=str(folder),
            db_file_name=db_file.name,
            exc=exc,
        ) from None
    real = [n for n in names if not re.fullmatch(re.escape(demo_event) + r" #\d+", n)]
    if real or results:
        shown = ", ".join(repr(n) for n in real[:3]) or f"{results} league results"
        raise NotADemoFolder(
            "--data {folder!r} holds a real event database ({shown}); the demo wipes its "
            "folder's database at every start, so it refuses this one: give it a folder of its "
            "own (default lapgate-demo)",
            folder=str(folder),
            shown=shown,
        )


class DemoShow:
    """Plays the demo program event after event, until stopped (or `events` are played)."""

    def __init__(
        self,
        build: ServiceFactory,
        port: int,
        *,
        events: int = 0,
        pauses: Pauses = DEMO_PAUSES,
        poll_s: float = 0.25,
        racers: list[str] | None = None,
    ) -> None:
        self.build = build
        self.port = port
        self.events = events  # 0: forever
        self.pauses = pauses
        self.poll_s = poll_s
        self.racers = racers  # None: the demo racers
        self.event_number = 0
        self.service: Service | None = None
        self.director: DemoDirector | None = None
        self.done = threading.Event()  # set when the show stopped (played out or failed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_at = 0.0

    def start(self) -> Service:
        """Start event #1 now (its service is returned, to print its URLs), then go on."""
        service = self._begin(1)
        self._thread = threading.Thread(target=self._loop, name="demo-show", daemon=True)
        self._thread.start()
        return service

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._retire()
        self.done.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait until the show is done; whether it is."""
        return self.done.wait(timeout_s)

    def _begin(self, number: int) -> Service:
        service = self.build(number, self.port)
        for gate in service.gates.values():
            if isinstance(gate, SimulatedGateAdapter):
                gate.set_skills(SKILLS)  # the demo racers' cars, each at its own pace
        service.start()
        if service.server is not None:
            self.port = service.server.port  # the next event keeps the address pages use
        self.service, self.event_number = service, number
        self.director = DemoDirector(
            service.host, racers=self.racers, pauses=self.pauses, poll_s=self.poll_s
        )
        self.director.start()
        self._started_at = time.monotonic()
        log.info("demo: event #%d starts (%s)", number, service.settings.event.name)
        return service

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.poll_s):
                director = self.director
                if director is None or not director.finished.is_set():
                    continue
                took_s = time.monotonic() - self._started_at
                log.info("demo: event #%d played in %.0f s", self.event_number, took_s)
                self._retire()
                if self.events and self.event_number >= self.events:
                    break
                self._begin(self.event_number + 1)
        except Exception:
            log.exception("demo: the next event could not start; the demo stops")
        finally:
            self.done.set()

    def _retire(self) -> None:
        """Stop the current event's director and service; let its pages reconnect."""
        director, self.director = self.director, None
        service, self.service = self.service, None
        if director is not None:
            director.stop()
        if service is None:
            return
        service.stop()
        _disconnect_pages(service)
        close = getattr(service.store, "close", None)
        if close is not None:
            close()


def _disconnect_pages(service: Service) -> None:
    """Drop every Socket.IO connection of a stopped service, so its pages reconnect (to the
    next event's service on the same port) and draw the new event from its snapshot.

    The connections are dropped, not closed politely: a client told "server disconnect"
    does not reconnect by itself, one that lost its transport does.
    """
    from lapgate.board.web.app import socketio_of

    engine = socketio_of(service.app).server.eio
    try:
        for connection in list(engine.sockets.values()):
            connection.close(wait=False, abort=True)
        engine.sockets = {}
        engine.shutdown()
    except Exception:  # the service is gone either way; pages time out and reconnect
        log.exception("demo: pages of the old event could not be disconnected")
