"""Online backup and restore of the SQLite store (the sqlite3 backup API).

The backup API copies a consistent snapshot while the timer keeps writing, page by page,
so a backup never needs the service stopped. `restore` first checks the backup file with
`PRAGMA integrity_check`, saves the current database as a backup too, then copies the
backup over the live database through the same API.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from lapgate.timer.errors import LapgateError


class BackupError(LapgateError, RuntimeError):
    """A backup or restore that cannot be done (not SQLite, corrupt file, …)."""


def integrity_ok(path: Path) -> tuple[bool, str]:
    """(ok, the first line of PRAGMA integrity_check) for the SQLite file at `path`."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return False, str(exc)
    try:
        first = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        return False, str(exc)
    finally:
        conn.close()
    return first == "ok", first


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(str(source))
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def backup(db_file: Path, out_dir: Path, now: dt.datetime | None = None) -> Path:
    """Copy `db_file` to a timestamped file in `out_dir`; return its path."""
    if not db_file.exists():
        raise BackupError("backup: database file {db_file} does not exist", db_file=db_file)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S-%f")
    target = out_dir / f"{db_file.stem}-{stamp}.sqlite3"
    _copy(db_file, target)
    return target


def restore(backup_file: Path, db_file: Path, safety_dir: Path | None = None) -> Path | None:
    """Replace the contents of `db_file` with `backup_file`; return the safety copy's path."""
    if not backup_file.exists():
        raise BackupError(
            "restore: backup file {backup_file} does not exist", backup_file=backup_file
        )
    ok, detail = integrity_ok(backup_file)
    if not ok:
        raise BackupError(
            "restore: {backup_file} fails the integrity check ({detail})",
            backup_file=backup_file,
            detail=detail,
        )
    safety = None
    if db_file.exists():
        safety = backup(db_file, safety_dir or db_file.parent / "backups")
    db_file.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup_file, db_file)
    return safety
