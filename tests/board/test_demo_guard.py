"""`lapgate demo --data DIR` never wipes a real event: it refuses a folder holding one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lapgate.board.demo_show import DEMO_MARKER, NotADemoFolder, fresh_sqlite
from lapgate.board.domain import EventInfo
from lapgate.board.store.location import DB_FILE_NAME
from lapgate.board.store.sql import SqlStore

ROOT = Path(__file__).resolve().parents[2]


def _event_db(folder: Path, *names: str) -> Path:
    db_file = folder / DB_FILE_NAME
    store = SqlStore(f"sqlite:///{db_file}")
    for number, name in enumerate(names):
        store.save_event(EventInfo(f"e{number}", "2026", name, "summit", "", "", ""))
    store.close()
    return db_file


def _event_names(db_file: Path) -> list[str]:
    store = SqlStore(f"sqlite:///{db_file}", migrate=False)
    try:
        return [event.name for event in store.list_events()]
    finally:
        store.close()


def test_demo_refuses_a_folder_with_a_real_event_and_leaves_it_alone(tmp_path: Path) -> None:
    db_file = _event_db(tmp_path / "venue", "Berlin Summit")
    command = [sys.executable, "-c", "from lapgate.board.cli import main; main()", "demo"]
    result = subprocess.run(
        [*command, "--data", str(tmp_path / "venue"), "--port", "0", "--events", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert "holds a real event database ('Berlin Summit')" in result.stderr
    assert str(tmp_path / "venue") in result.stderr
    assert "Traceback" not in result.stderr
    assert _event_names(db_file) == ["Berlin Summit"]  # untouched
    assert not (tmp_path / "venue" / DEMO_MARKER).exists()


def test_a_file_that_is_no_database_is_refused_too(tmp_path: Path) -> None:
    db_file = tmp_path / DB_FILE_NAME
    db_file.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(NotADemoFolder, match="is not a demo database"):
        fresh_sqlite(db_file)
    assert db_file.read_bytes().startswith(b"not sqlite")


def test_the_demos_own_folders_are_still_wiped(tmp_path: Path) -> None:
    fresh = tmp_path / "new" / DB_FILE_NAME
    assert fresh_sqlite(fresh).endswith(DB_FILE_NAME)  # nothing there yet
    assert (fresh.parent / DEMO_MARKER).exists()
    _event_db(fresh.parent, "lapgate Demo Championship #1")
    fresh_sqlite(fresh)  # the marker says: the demo's
    assert not fresh.exists()
    old = _event_db(
        tmp_path / "old", "lapgate Demo Championship #1", "lapgate Demo Championship #2"
    )
    fresh_sqlite(old)  # a demo folder from before the marker: only demo events in it
    assert not old.exists()
