"""Lapgate errors are raised with a template and params, so every client reads them in
its own language (timer/errors.py, board/i18n.py `error_text`).

An f-string message cannot be translated: tools/catalogs.py skips it ("Skipping
f-string") and the board shows it in English whatever the racer's language.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lapgate.board.i18n import error_text
from lapgate.config.loader import settings_from_dict
from lapgate.timer.errors import ConfigError, RuleViolation
from lapgate.timer.events import AbortRun, EndRun, MarkDnf
from lapgate.timer.run import RunConfig, RunLog
from lapgate.timer.staff import record

ROOT = Path(__file__).resolve().parents[1]
# Where lapgate's error classes are defined (all of them, so a check knows every class).
SOURCES = ("timer", "config", "hardware", "board")
# The folders whose raise sites are checked. "board" joins the list once helper E2's
# conversion of board/ is merged.
CHECKED = ("timer", "config", "hardware")


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _trees(folders: tuple[str, ...]) -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text("utf-8")) for f in folders for path in _files(f)}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def lapgate_error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """LapgateError and every class that derives from it, by name, across `trees`."""
    bases: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names = {_name(base) for base in node.bases}
                bases.setdefault(node.name, set()).update(n for n in names if n)
    found = {"LapgateError"}
    while True:
        more = {cls for cls, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


def f_string_raises(tree: ast.Module, classes: set[str]) -> list[tuple[int, str]]:
    """(line, class) of each `raise <lapgate error>(f"...{value}...")` in `tree`."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        cls = _name(node.exc.func)
        if cls not in classes or not node.exc.args:
            continue
        first = node.exc.args[0]
        if isinstance(first, ast.JoinedStr) and any(
            isinstance(part, ast.FormattedValue) for part in first.values
        ):
            found.append((node.lineno, cls))
    return found


@pytest.fixture(scope="module")
def classes() -> set[str]:
    return lapgate_error_classes(_trees(SOURCES))


def test_the_error_tree_is_found(classes: set[str]) -> None:
    assert {"RuleViolation", "UnknownEvent", "ConfigError", "GateError"} <= classes
    assert {"ActionError", "NeedsAnswer"} <= classes  # board's, through their bases


@pytest.mark.parametrize("folder", CHECKED)
def test_no_lapgate_error_is_raised_with_an_f_string(folder: str, classes: set[str]) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {cls}(f'...')"
        for path, tree in _trees((folder,)).items()
        for line, cls in f_string_raises(tree, classes)
    ]
    assert not found, (
        "raise these with a template and params, "
        f'`{{cls}}("run {{run_id}}: ...", run_id=run_id)` (timer/errors.py): {found}'
    )


def non_literal_raises(tree: ast.Module, classes: set[str]) -> list[tuple[int, str]]:
    """(line, class) of each lapgate error raised with a message that is not one literal
    template: a variable, a concatenation, a `.join` (the extractor cannot see it)."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        cls = _name(node.exc.func)
        if cls not in classes or not node.exc.args:
            continue
        first = node.exc.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            found.append((node.lineno, cls))
    return found


@pytest.mark.parametrize("folder", ("timer", "config", "hardware"))
def test_the_core_raises_literal_templates(folder: str, classes: set[str]) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {cls}(...)"
        for path, tree in _trees((folder,)).items()
        for line, cls in non_literal_raises(tree, classes)
    ]
    assert not found, f"pass the message as a literal template with params: {found}"


def test_the_check_sees_an_f_string_raise(classes: set[str]) -> None:
    tree = ast.parse('raise RuleViolation(f"run {run_id}: over")\nraise ValueError(f"{x}")')
    assert f_string_raises(tree, classes) == [(1, "RuleViolation")]
    assert f_string_raises(ast.parse('raise RuleViolation("run {r}", r=1)'), classes) == []
    assert non_literal_raises(ast.parse('raise RuleViolation("a: " + b)'), classes) == [
        (1, "RuleViolation")
    ]
    assert non_literal_raises(ast.parse('raise RuleViolation("run {r}", r=1)'), classes) == []


def test_a_rule_violation_reads_in_the_clients_language() -> None:
    log = RunLog(RunConfig()).append(MarkDnf(1))
    with pytest.raises(RuleViolation) as caught:
        record(log, EndRun(2))
    assert str(caught.value) == "end: the run is already dnf"
    assert error_text(caught.value, "en") == str(caught.value)
    log = RunLog(RunConfig()).append(AbortRun(1))
    with pytest.raises(RuleViolation) as caught:
        record(log, EndRun(2))
    # the run's status in the board's word for it, as on the pages
    assert error_text(caught.value, "de") == "Beenden: der Lauf ist bereits abgebrochen"
    assert error_text(caught.value, "ja") == "終了: 走行はすでに「中止」です"


def test_config_problems_stay_one_line_each_and_translate_line_by_line() -> None:
    bad = {"round": {"formatt": "x"}, "event": {"max_connections": 1}}
    with pytest.raises(ConfigError) as caught:
        settings_from_dict(bad, source="demo.toml")
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert "demo.toml:round.formatt: got 'x', expected no such key (a typo?)" in lines
    german = error_text(caught.value, "de").splitlines()
    assert len(german) == 2
    assert (
        "demo.toml:round.formatt: 'x' erhalten, diesen Schlüssel gibt es nicht (ein Tippfehler?)"
        in german
    )


def test_a_validators_own_message_is_translated_inside_the_config_line() -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"board": {"trusted_proxies": ["nope"]}}, source="demo.toml")
    assert str(caught.value) == (
        "demo.toml:board.trusted_proxies: got ['nope'], expected IP addresses or networks "
        "such as '127.0.0.1' or '10.0.0.0/24' ('nope' is neither)"
    )
    assert error_text(caught.value, "es") == (
        "demo.toml:board.trusted_proxies: se recibió ['nope'], se esperaba direcciones IP o "
        "redes como '127.0.0.1' o '10.0.0.0/24' ('nope' no es ninguna de las dos)"
    )
