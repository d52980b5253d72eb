"""The layer contracts of docs/architecture.md, checked on every module's imports.

Dependencies point one way: lapgate.board → lapgate.hardware → lapgate.timer, and
lapgate.board → lapgate.config. Nothing imports lapgate.board; lapgate.board.web (a
transport) never imports the store. (tests/timer/test_purity.py checks that lapgate.timer
imports only the standard library.) The folders are mapped to `lapgate.*` names by
pyproject.toml, which import graph tools that walk the installed package cannot follow, so
the imports are read from the source here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"timer": "lapgate.timer", "hardware": "lapgate.hardware", "config": "lapgate.config"}
LAYERS["board"] = "lapgate.board"


def module_name(path: Path, root: Path = ROOT) -> str:
    """`board/web/api.py` → `lapgate.board.web.api` (a package's `__init__` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([LAYERS[parts[0]], *parts[1:]])


def imported(path: Path, root: Path = ROOT) -> set[str]:
    """Every module `path` imports, absolute (relative imports resolved), also when lazy."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def modules(folder: str, root: Path = ROOT) -> list[Path]:
    return sorted(p for p in (root / folder).rglob("*.py") if "static" not in p.parts)


def broken(folders: list[str], forbidden: str, root: Path = ROOT) -> list[str]:
    return [
        f"{module_name(path, root)} imports {name}"
        for folder in folders
        for path in modules(folder, root)
        for name in sorted(imported(path, root))
        if within(name, forbidden)
    ]


CONTRACTS = [
    ("nothing imports lapgate.board", ["timer", "hardware", "config"], "lapgate.board"),
    ("lapgate.hardware never imports lapgate.board", ["hardware"], "lapgate.board"),
    ("lapgate.timer imports no other layer", ["timer"], "lapgate.hardware"),
    ("lapgate.timer imports no other layer", ["timer"], "lapgate.config"),
    ("lapgate.board.web never imports the store", ["board/web"], "lapgate.board.store"),
]


@pytest.mark.parametrize(("rule", "folders", "forbidden"), CONTRACTS, ids=[c[0] for c in CONTRACTS])
def test_layer_contract(rule: str, folders: list[str], forbidden: str) -> None:
    found = broken(folders, forbidden)
    assert not found, f"{rule}: " + "; ".join(found)


def test_the_contract_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    web = tmp_path / "board" / "web"
    web.mkdir(parents=True)
    (web / "page.py").write_text(
        "def f():\n    from lapgate.board.store.sql import SqlStore\n    from ..store import api\n"
    )
    (web / "fine.py").write_text("from lapgate.board.live import views\n")
    assert broken(["board/web"], "lapgate.board.store", tmp_path) == [
        "lapgate.board.web.page imports lapgate.board.store",
        "lapgate.board.web.page imports lapgate.board.store.api",
        "lapgate.board.web.page imports lapgate.board.store.sql",
        "lapgate.board.web.page imports lapgate.board.store.sql.SqlStore",
    ]
