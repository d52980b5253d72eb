"""`lapgate db upgrade`, `lapgate backup`, `lapgate restore`.

Every data command takes `--config FILE` and `--db URL` (the URL wins); with neither, the
SQLite file in the default data folder is used (see `board.store.location`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from lapgate.board.store.backup import BackupError
from lapgate.board.store.backup import backup as backup_file
from lapgate.board.store.backup import restore as restore_file
from lapgate.board.store.engine import make_engine, sqlite_path
from lapgate.board.store.location import resolve_database_url
from lapgate.board.store.migrate import current_revision, head_revision, upgrade
from lapgate.board.store.sql import SqlStore

F = TypeVar("F", bound=Callable[..., Any])


def db_options(command: F) -> F:
    """Add `--config FILE` and `--db URL` to a command."""
    command = click.option(
        "--db",
        "db_url",
        metavar="URL",
        default=None,
        help="SQLAlchemy database URL (overrides the config's [store]).",
    )(command)
    command = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="lapgate TOML config ([store] database_url / data_dir).",
    )(command)
    return command


def open_store(config_path: Path | None, db_url: str | None) -> SqlStore:
    """The store the options name, migrated to the newest schema."""
    return SqlStore(resolve_database_url(config_path, db_url))


def _sqlite_file(config_path: Path | None, db_url: str | None, what: str) -> Path:
    url = resolve_database_url(config_path, db_url)
    path = sqlite_path(url)
    if path is None:
        raise BackupError(
            f"{what}: got database {url!r}, expected a SQLite file "
            "(back up PostgreSQL with pg_dump)"
        )
    return path


@click.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command("upgrade")
@db_options
def db_upgrade(config_path: Path | None, db_url: str | None) -> None:
    """Create the database or migrate it to the newest schema."""
    url = resolve_database_url(config_path, db_url)
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    click.echo(f"{url}: schema {before or 'empty'} → {after} (head {head_revision()})")


@click.command("backup")
@db_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the backup (default: backups/ next to the database).",
)
def backup_cmd(config_path: Path | None, db_url: str | None, out_dir: Path | None) -> None:
    """Copy the SQLite database to a timestamped file while the timer may keep running."""
    path = _sqlite_file(config_path, db_url, "backup")
    target = backup_file(path, out_dir or path.parent / "backups")
    click.echo(str(target))


@click.command("restore")
@db_options
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_cmd(config_path: Path | None, db_url: str | None, file: Path, yes: bool) -> None:
    """Replace the database with backup FILE (the current one is backed up first)."""
    path = _sqlite_file(config_path, db_url, "restore")
    if not yes:
        click.confirm(f"Replace {path} with {file}?", abort=True)
    safety = restore_file(file, path)
    if safety is not None:
        click.echo(f"previous database saved as {safety}")
    click.echo(f"restored {file} into {path}")


def register(group: click.Group) -> None:
    group.add_command(db_group)
    group.add_command(backup_cmd)
    group.add_command(restore_cmd)
