"""Staff logins kept server-side, so a copied cookie dies with the login it came from.

The signed session cookie only names a login (``staff_id``); whether that login still
holds is decided here. A login ends when its staff member logs out, when anyone presses
"log out everywhere", when its lifetime (``[board] staff_session_hours``) is over, or when
``staff_password_hash`` changes (the table remembers a fingerprint of the hash it was made
under, and is emptied on a mismatch at start). The table is a small JSON file in the data
folder, so a restart keeps staff logged in but never revives an ended login; without a
data folder (tests, the demo) it lives in memory.

Listeners hear which logins ended, so the control sockets they opened are disconnected.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)
FILE_NAME = "staff_sessions.json"
MAX_LOGINS = 64  # staff tablets at one event; the oldest login ends beyond that
Clock = Callable[[], float]
Listener = Callable[[frozenset[str] | None], None]  # None: every login


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class StaffSessions:
    """The staff logins that still hold: login id → expiry (Unix seconds, wall clock, so it
    survives a restart)."""

    def __init__(
        self,
        lifetime_s: float,
        password_hash: str,
        path: Path | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.lifetime_s = lifetime_s
        self.path = path
        self.clock = clock
        self._password = _fingerprint(password_hash)
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._expiry: dict[str, float] = self._load()  # sha256(login id) → expiry

    def subscribe(self, listener: Listener) -> None:
        """`listener(login_ids)` hears the ids of logins that ended (None: all of them)."""
        self._listeners.append(listener)

    def open(self) -> str:
        """A new login; its id goes into the cookie."""
        login_id = secrets.token_urlsafe(24)
        with self._lock:
            self._drop_expired()
            while len(self._expiry) >= MAX_LOGINS:
                del self._expiry[min(self._expiry, key=self._expiry.__getitem__)]
            self._expiry[_fingerprint(login_id)] = self.clock() + self.lifetime_s
            self._save()
        return login_id

    def holds(self, login_id: object) -> bool:
        if not isinstance(login_id, str):
            return False
        expiry = self._expiry.get(_fingerprint(login_id))
        return expiry is not None and self.clock() < expiry

    def close(self, login_id: object) -> None:
        """Logout: this login ends, and with it every copy of its cookie."""
        if not isinstance(login_id, str):
            return
        with self._lock:
            if self._expiry.pop(_fingerprint(login_id), None) is not None:
                self._save()
        self._tell(frozenset({login_id}))

    def close_all(self) -> int:
        """Log out everywhere: every login ends; how many there were."""
        with self._lock:
            count = len(self._expiry)
            self._expiry.clear()
            self._save()
        self._tell(None)
        return count

    def _tell(self, login_ids: frozenset[str] | None) -> None:
        for listener in self._listeners:
            try:
                listener(login_ids)
            except Exception:
                log.exception("a staff session listener failed")

    def _drop_expired(self) -> None:
        now = self.clock()
        for key in [k for k, expiry in self._expiry.items() if expiry <= now]:
            del self._expiry[key]

    def _load(self) -> dict[str, float]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("password") != self._password:
                log.info("staff password changed: every earlier staff login has ended")
                return {}
            return {str(k): float(v) for k, v in data["logins"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("%s unreadable (%s): every earlier staff login has ended", self.path, exc)
            return {}

    def _save(self) -> None:
        if self.path is None:
            return
        data = {"password": self._password, "logins": self._expiry}
        temporary = self.path.with_suffix(".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(data, file)
            os.replace(temporary, self.path)
        except OSError as exc:  # a full disk: logins still end in memory
            log.error("could not save %s: %s", self.path, exc)
