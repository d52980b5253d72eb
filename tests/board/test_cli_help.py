"""`lapgate --help` and every subcommand's help are complete, and the docs agree with them:
every `lapgate …` invocation in README.md and docs/*.md names a real command and real
options, and every command is documented somewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lapgate.board.cli import cli

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# Options without a help text yet (none now). An entry that gains a help text must leave
# this list (tested below).
KNOWN_MISSING_OPTION_HELP: set[tuple[str, str]] = set()

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
# A command line: `lapgate`, maybe behind a path, `$ `, `sudo [-u user] ` or `ExecStart=`.
COMMAND_LINE = re.compile(
    r"^(?:\$\s+)?(?:sudo\s+(?:-u\s+\S+\s+)?)?(?:ExecStart=)?(?:[\w./-]*/)?lapgate\s+"
    r"((?:[a-z][a-z-]*|-[\w-]+)(?:\s.*)?)$"  # a command word or an option; not `demo:` output
)
SHELL_END = re.compile(r"\s(?:[|;>#]|&&|\\$)")


def walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from walk(sub, (*path, name))


def resolve(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


COMMANDS = list(walk(cli))
LEAVES = [p for p in COMMANDS if p and not isinstance(resolve(p), click.Group)]


def code_lines(text: str) -> Iterator[str]:
    """Lines of fenced code blocks and inline code spans."""
    for block in FENCE.finditer(text):
        yield from block.group(1).splitlines()
    yield from (span.group(1) for span in CODE_SPAN.finditer(FENCE.sub("", text)))


def invocations() -> Iterator[tuple[str, list[str]]]:
    """(file name, tokens after `lapgate`) of every command line in the docs."""
    for doc in DOCS:
        for line in code_lines(doc.read_text(encoding="utf-8")):
            for part in re.split(r"&&|;|\|", line):
                match = COMMAND_LINE.match(part.strip())
                if match:
                    args = SHELL_END.split(" " + match.group(1))[0]
                    yield doc.name, args.split()


DOC_INVOCATIONS = list(invocations())


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(("lapgate", *p)))
def test_every_command_has_help_and_its_help_page_renders(path: tuple[str, ...]) -> None:
    command = resolve(path)
    assert (command.help or "").strip(), f"lapgate {' '.join(path)} has no help text"
    assert command.get_short_help_str().strip()
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    first_line = " ".join((command.help or "").split("\n")[0].split())
    assert "Usage: " in result.output and first_line in " ".join(result.output.split())


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(("lapgate", *p)))
def test_every_option_has_a_help_text(path: tuple[str, ...]) -> None:
    command = resolve(path)
    name = " ".join(path)
    for param in command.params:
        if isinstance(param, click.Option) and (name, str(param.name)) not in (
            KNOWN_MISSING_OPTION_HELP
        ):
            assert (param.help or "").strip(), f"lapgate {name} {param.opts[0]}: no help"


def test_the_known_gaps_are_still_gaps() -> None:
    for name, option in KNOWN_MISSING_OPTION_HELP:
        param = next(p for p in resolve(tuple(name.split())).params if p.name == option)
        assert not isinstance(param, click.Option) or not param.help, (
            f"lapgate {name} {option} has help now: remove it from KNOWN_MISSING_OPTION_HELP"
        )


def test_main_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in cli.commands:
        assert re.search(rf"^\s+{re.escape(name)}\s", result.output, re.M), name


def test_the_docs_show_command_lines() -> None:
    assert len(DOC_INVOCATIONS) > 30  # the scanner finds what the docs show


@pytest.mark.parametrize("doc, args", DOC_INVOCATIONS, ids=lambda v: str(v))
def test_every_documented_command_and_option_exists(doc: str, args: list[str]) -> None:
    command: click.Command = cli
    rest = list(args)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        assert name in command.commands, f"{doc}: `lapgate {' '.join(args)}`: no command {name!r}"
        command = command.commands[name]
    options = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    options |= {"--help", "-h", "--version", "-v", "-vv"}
    for token in rest:
        flag = token.strip("[]").split("=")[0]
        if flag.startswith("-"):
            assert flag in options, f"{doc}: `lapgate {' '.join(args)}`: no option {flag}"


@pytest.mark.parametrize("path", LEAVES, ids=lambda p: " ".join(p))
def test_every_command_is_documented(path: tuple[str, ...]) -> None:
    shown = {tuple(args[: len(path)]) for _, args in DOC_INVOCATIONS}
    assert path in shown, f"`lapgate {' '.join(path)}` appears in no command line of the docs"
