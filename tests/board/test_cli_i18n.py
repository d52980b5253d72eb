"""The `lapgate` command line speaks the user's language (LAPGATE_LANG, LANGUAGE, LC_ALL,
LC_MESSAGES, LANG), and every message for a person in board/cli.py and board/commands/ is
marked for translation: click.echo, click's exceptions, prompts, confirmations, progress
labels and help texts. Machine output (JSON, CSV, TOML, a file name for scripts) is marked
`# machine output` on its line and stays as it is."""

from __future__ import annotations

import ast
import re
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from lapgate.board.cli import cli, main

ROOT = Path(__file__).resolve().parents[2]
CLI_FILES = [ROOT / "board" / "cli.py", *sorted((ROOT / "board" / "commands").glob("*.py"))]
LANGUAGE_VARIABLES = ("LAPGATE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def environment(**values: str) -> dict[str, str | None]:
    """Only `values` of the language variables set (the others removed while invoking)."""
    return {name: values.get(name) for name in LANGUAGE_VARIABLES}


SIMULATE = ["bracket", "simulate", "--size", "3", "--seed", "1"]


def test_a_german_locale_gets_german_and_the_c_locale_english() -> None:
    runner = CliRunner()
    german = runner.invoke(cli, SIMULATE, env=environment(LANG="de_DE.UTF-8"))
    english = runner.invoke(cli, SIMULATE, env=environment(LANG="C"))
    assert german.exit_code == 0 and english.exit_code == 0, german.output + english.output
    assert "Doppel-K.-o., 3 Fahrer" in german.output
    assert "Setzplatz 1" in german.output and "Sieger: Setzplatz" in german.output
    assert "double elimination, 3 racers" in english.output
    assert "champion: seed" in english.output and "Setzplatz" not in english.output


def test_lapgate_lang_comes_before_lang() -> None:
    result = CliRunner().invoke(
        cli, SIMULATE, env=environment(LAPGATE_LANG="ja", LANG="de_DE.UTF-8")
    )
    assert result.exit_code == 0, result.output
    assert "ダブルエリミネーション" in result.output


def test_a_usage_error_is_in_the_users_language() -> None:
    args = ["bracket", "simulate", "--size", "4", "--stop-at", "5"]
    result = CliRunner().invoke(cli, args, env=environment(LANGUAGE="es:en", LANG="C"))
    assert result.exit_code != 0
    assert "se recibió 5, se esperaba como máximo --size 4" in result.output


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("de_DE.UTF-8", "nicht erreichbar"), ("C", "not reachable")],
)
def test_a_lapgate_error_prints_in_the_users_language(
    lang: str,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", lang)
    monkeypatch.setenv("LAPGATE_STAFF_PASSWORD", "not-asked")
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setattr(sys, "argv", ["lapgate", "control", "--url", url, "undo", "event_id=1"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("lapgate: ") and expected in err, err


# ---- nothing for a person left unmarked -----------------------------------------------------

# Calls whose first argument (or these keywords) a person reads.
SHOWN = {"echo", "secho", "prompt", "confirm", "ClickException", "UsageError", "BadParameter"}
SHOWN_KEYWORDS = {"help", "prompt", "label", "message", "text"}
MARKERS = {"_", "ngettext"}
WORD = re.compile(r"[A-Za-z]{2,}")
KEEP = {"lapgate"}  # the product's name is the same in every language


def _words(node: ast.expr) -> list[str]:
    """Words of a string literal or an f-string's literal parts (not its {fields})."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        parts = [node.value]
    elif isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
    elif isinstance(node, ast.BinOp):  # "# " + _("...")
        return _words(node.left) + _words(node.right)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):  # "...".format(...): the literal is checked, _("...").format(...) is marked
        return _words(node.func.value)
    elif isinstance(node, ast.IfExp):
        return _words(node.body) + _words(node.orelse)
    else:
        return []
    return [w for part in parts for w in WORD.findall(part) if w not in KEEP]


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _shown_texts(tree: ast.AST) -> Iterator[tuple[int, int, ast.expr]]:
    """(first line, last line, text) of every text a person reads."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        end = node.end_lineno or node.lineno
        if name in SHOWN and node.args:
            yield node.lineno, end, node.args[0]
        if name in MARKERS:
            continue
        for keyword in node.keywords:
            if keyword.arg in SHOWN_KEYWORDS:
                yield node.lineno, end, keyword.value


def _docstring_commands(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """click commands whose help is their docstring (untranslated) instead of help=_()."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef) or not ast.get_docstring(node):
            continue
        for decorator in node.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and _name(decorator.func) in {"command", "group"}
                and not any(k.arg == "help" for k in decorator.keywords)
            ):
                yield node.lineno, node.name


@pytest.mark.parametrize("path", CLI_FILES, ids=lambda p: p.stem)
def test_cli_messages_are_marked(path: Path) -> None:
    source = path.read_text("utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    unmarked = [
        f"{path.name}:{lineno}: {ast.unparse(text)[:70]}"
        for lineno, end, text in _shown_texts(tree)
        if _words(text) and "# machine output" not in "".join(lines[lineno - 1 : end])
    ]
    unmarked += [
        f"{path.name}:{lineno}: {name}: help from a docstring, not help=_(...)"
        for lineno, name in _docstring_commands(tree)
    ]
    assert not unmarked, "text for people not wrapped in _():\n" + "\n".join(unmarked)


def test_the_marking_check_catches_unmarked_text() -> None:
    tree = ast.parse(
        'click.echo(f"wrote {out}")\n'
        'click.echo(_("wrote {file}").format(file=out))\n'
        'raise click.BadParameter("got nothing")\n'
        '@click.option("--x", help="An option.")\n'
        'def f(): """A command."""\n'
        'click.echo(f"{label:>15}: {url}")\n'
    )
    found = sorted(lineno for lineno, _end, text in _shown_texts(tree) if _words(text))
    assert found == [1, 3, 4]
