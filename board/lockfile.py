"""One daemon per data folder: an OS file lock held for the life of the process.

Two `lapgate run` on one folder would write one database from two engine hosts, each
sure it owns the live state. `DataDirLock.acquire` takes an exclusive `flock` on
`<data>/lapgate.lock` (released by the OS when the process ends, even on kill -9) and
writes the holder's pid into it, so the refusal can name the other process.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from lapgate.timer.errors import LapgateError

LOCK_NAME = "lapgate.lock"


class DataDirBusy(LapgateError, RuntimeError):
    """Another lapgate process holds the data folder."""


class DataDirLock:
    """The data folder's lock; keep the object alive as long as the daemon runs."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise DataDirBusy(
                "data folder {parent}: cannot hold the daemon's lock file ({strerror}); set "
                "[store] data_dir to a folder this user may write",
                parent=self.path.parent,
                strerror=exc.strerror,
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise DataDirBusy(
                "data folder {parent}: another lapgate (pid {holder}) is running on it; stop "
                "that one first (systemctl stop lapgate), or give this one another [store] "
                "data_dir",
                parent=self.path.parent,
                holder=holder,
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
