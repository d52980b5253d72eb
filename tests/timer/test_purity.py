"""timer/ (the package lapgate.timer) is the pure core: it imports only the standard library
and itself, and never reads a clock."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

TIMER = Path(__file__).resolve().parents[2] / "timer"
FORBIDDEN_STDLIB = {
    "threading",
    "socket",
    "subprocess",
    "asyncio",
    "multiprocessing",
    "logging",
    "os",
    "io",
    "select",
    "selectors",
    "random",
    "time",
    "datetime",
}
MODULES = sorted(TIMER.rglob("*.py"))


def root(module: str) -> str:
    """`json` for json.decoder; `lapgate.timer` for lapgate.timer.events (`lapgate.board`…)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "lapgate" and len(parts) > 1 else parts[0]


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(root(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(root(node.module))
    return roots


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_timer_imports_only_the_standard_library(path: Path) -> None:
    roots = imported_roots(path) - {"lapgate.timer", "__future__"}
    outside = {root for root in roots if root not in sys.stdlib_module_names}
    assert not outside, f"{path.name} imports {sorted(outside)}"
    assert not roots & FORBIDDEN_STDLIB, f"{path.name} imports {sorted(roots & FORBIDDEN_STDLIB)}"


def test_the_purity_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import flask\nfrom time import monotonic_ns\nfrom lapgate.board.race import Race\n"
        "from lapgate.timer.events import Crossing\nimport lapgate\n"
    )
    assert imported_roots(bad) == {"flask", "time", "lapgate.board", "lapgate.timer", "lapgate"}
