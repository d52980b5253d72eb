"""`lapgate control`: staff commands from a shell to a running `lapgate run`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from daemon_support import PASSWORD, ROOT, Staff, free_port, lapgate_run, venue_sections

pytestmark = pytest.mark.timeout(120)
PROGRAM = (
    '[event]\nname = "CLI"\nseason = "2026"\n'
    '[[rounds]]\nname = "Heats"\nadvance = "top"\nadvance_count = 2\n'
    '[[rounds]]\nname = "Final"\nentry_from = ["Heats"]\n'
)


def lapgate(*args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LAPGATE_STAFF_PASSWORD": password}
    command = [sys.executable, "-c", "from lapgate.board.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_staff_run_the_program_from_a_shell(tmp_path: Path) -> None:
    port = free_port()
    with lapgate_run(tmp_path, PROGRAM + venue_sections(tmp_path, port), port) as base:
        opened = lapgate("control", "--url", base, "round_open", "round_id=Heats")
        assert opened.returncode == 0, opened.stderr
        assert json.loads(opened.stdout)["ok"] is True
        added = lapgate("control", "--url", base, "queue_add", "alias=Ada <b>Lovelap</b>")
        assert added.returncode == 0, added.stderr
        queue = Staff(base).get("/api/tracks/track-1")["queue"]
        assert [e["name"] for e in queue] == ["Ada <b>Lovelap</b>"]

        refused = lapgate("control", "--url", base, "round_close", "round_id=Final")
        assert refused.returncode == 2
        assert "close Final: it has not been opened (HTTP 409)" in refused.stderr
        bad = lapgate("control", "--url", base, "reset", "delta=two")
        assert (
            bad.returncode == 2 and "reset: delta: got 'two', expected a whole number" in bad.stderr
        )
        wrong = lapgate("control", "--url", base, "speak", "on=true", password="nope")
        assert wrong.returncode == 2 and "Wrong password." in wrong.stderr


def test_the_command_list_names_every_command() -> None:
    from lapgate.board.live.commands import COMMANDS

    listed = lapgate("control", "--list")
    assert listed.returncode == 0
    for name in COMMANDS:
        assert f"\n{name} " in f"\n{listed.stdout}"
