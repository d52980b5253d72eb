"""`lapgate check-config` and `lapgate hash-password`."""

from __future__ import annotations

from pathlib import Path

import click
from werkzeug.security import generate_password_hash

from lapgate.board.i18n import cli_gettext as _
from lapgate.config import load_settings
from lapgate.config.loader import effective_toml


@click.command(
    "check-config", help=_("Validate FILE and print the effective settings (defaults filled in).")
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def check_config(file: Path) -> None:
    settings = load_settings(file)
    click.echo("# " + _("{file}: valid").format(file=file))
    click.echo(effective_toml(settings))  # machine output: TOML


@click.command("hash-password", help=_("Print the hash to put in [board] staff_password_hash."))
@click.password_option("--password", prompt=_("Staff password"), help=_("The staff password."))
def hash_password(password: str) -> None:
    if len(password) < 8:
        raise click.BadParameter(
            _("got {n} characters, expected at least 8").format(n=len(password))
        )
    click.echo(generate_password_hash(password))  # machine output: the hash


def register(group: click.Group) -> None:
    group.add_command(check_config)
    group.add_command(hash_password)
