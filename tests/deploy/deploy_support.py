"""Helpers of the deploy tests: running a command, the pinned versions."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import ROOT

CONSTRAINTS = ROOT / "requirements" / "constraints.txt"


def run(command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run `command`; its stdout, or a failure that shows what it printed."""
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=240
    )
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


def normalized(name: str) -> str:
    """A distribution name as pip compares them (PEP 503): Flask_SocketIO → flask-socketio."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    """`name==version` lines (a constraints file, `pip freeze`) as {normalized name: version}."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            found[normalized(name)] = version.strip()
    return found
