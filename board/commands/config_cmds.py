"""`lapgate check-config` and `lapgate hash-password`."""

from __future__ import annotations

from pathlib import Path

import click
from werkzeug.security import generate_password_hash

from lapgate.config import load_settings
from lapgate.config.loader import effective_toml


@click.command("check-config")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def check_config(file: Path) -> None:
    """Validate FILE and print the effective settings (defaults filled in)."""
    settings = load_settings(file)
    click.echo(f"# {file}: valid")
    click.echo(effective_toml(settings))


@click.command("hash-password")
@click.password_option("--password", prompt="Staff password", help="The staff password.")
def hash_password(password: str) -> None:
    """Print the hash to put in [board] staff_password_hash."""
    if len(password) < 8:
        raise click.BadParameter(f"got {len(password)} characters, expected at least 8")
    click.echo(generate_password_hash(password))


def register(group: click.Group) -> None:
    group.add_command(check_config)
    group.add_command(hash_password)
