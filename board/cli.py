"""The `lapgate` command line.

Each feature keeps its commands in its own module under `board/commands/`; this module
only assembles the group, so features are added without touching each other.

Everything printed for a person is in the user's language (`cli_language` in
board/i18n.py: LAPGATE_LANG, LANGUAGE, LC_ALL, LC_MESSAGES, LANG); machine output (JSON,
CSV, TOML, exported files) is not translated.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from lapgate.board.i18n import cli_gettext as _
from lapgate.board.i18n import cli_language, error_text
from lapgate.timer.errors import LapgateError

# Modules under board/commands/ that define `register(group)`. One line per feature.
COMMAND_MODULES = (
    "lapgate.board.commands.config_cmds",
    "lapgate.board.commands.store_cmds",
    "lapgate.board.commands.league_cmds",
    "lapgate.board.commands.results_cmds",
    "lapgate.board.commands.bracket_cmds",
    "lapgate.board.commands.run_cmds",
    "lapgate.board.commands.gate_cmds",
    "lapgate.board.commands.central_cmds",
    "lapgate.board.commands.control_cmds",
    "lapgate.board.commands.model_cmds",
)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    help=_("lapgate: race timer and live leaderboard for autonomous model-car races."),
)
@click.option("-v", "--verbose", count=True, help=_("More log output (-vv for debug)."))
@click.version_option(package_name="lapgate", help=_("Show the version and exit."))
def cli(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(cli)


def main() -> None:
    """Console entry point: lapgate errors print one clear line and exit 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(_("Aborted."), err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except LapgateError as exc:
        click.echo(f"lapgate: {error_text(exc, cli_language())}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
