"""`lapgate db upgrade`, `lapgate backup`, `lapgate restore`.

Every data command takes `--config FILE` and `--db URL` (the URL wins); with neither, the
SQLite file in the default data folder is used (see `board.store.location`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from lapgate.board.i18n import cli_gettext as _
from lapgate.board.lockfile import DataDirBusy, DataDirLock
from lapgate.board.store.backup import BackupError
from lapgate.board.store.backup import backup as backup_file
from lapgate.board.store.backup import restore as restore_file
from lapgate.board.store.engine import make_engine, sqlite_path
from lapgate.board.store.location import data_dir, resolve_database_url
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
        help=_("SQLAlchemy database URL (overrides the config's [store])."),
    )(command)
    command = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=_("lapgate TOML config ([store] database_url / data_dir)."),
    )(command)
    return command


def open_store(config_path: Path | None, db_url: str | None) -> SqlStore:
    """The store the options name, migrated to the newest schema."""
    return SqlStore(resolve_database_url(config_path, db_url))


def _board_folder(config_path: Path | None, db_url: str | None) -> Path | None:
    """The data folder a board on this database holds its lock in (None: none known)."""
    if config_path is not None:
        from lapgate.config import load_settings

        return data_dir(load_settings(config_path).store)
    path = sqlite_path(resolve_database_url(None, db_url))
    return path.parent if path is not None else None


@contextmanager
def no_board_running(config_path: Path | None, db_url: str | None, what: str) -> Iterator[None]:
    """Hold the board's lock while `what` changes the database behind its back.

    A running board keeps racers, runs and queues in memory and would not see the change
    (the next run stored under a merged-away racer), so the command is refused, naming the
    board's pid; holding the lock also keeps a board from starting meanwhile.
    """
    folder = _board_folder(config_path, db_url)
    if folder is None:
        yield
        return
    lock = DataDirLock(folder)
    try:
        lock.acquire()
    except DataDirBusy:
        try:
            pid = lock.path.read_text().strip() or "?"
        except OSError:
            pid = "?"
        raise click.ClickException(
            _(
                "{what}: refused while a board runs on this database (pid {pid}, data folder "
                "{folder}): it would not see the change. Stop it first (sudo systemctl stop "
                "lapgate), then run this again; rename, merge, split or delete racers on "
                "/control while it runs"
            ).format(what=what, pid=pid, folder=folder)
        ) from None
    try:
        yield
    finally:
        lock.release()


def _sqlite_file(config_path: Path | None, db_url: str | None, what: str) -> Path:
    url = resolve_database_url(config_path, db_url)
    path = sqlite_path(url)
    if path is None:
        raise BackupError(
            "{what}: got database {url!r}, expected a SQLite file "
            "(back up PostgreSQL with pg_dump)",
            what=what,
            url=url,
        )
    return path


@click.group("db", help=_("Database schema commands."))
def db_group() -> None:
    pass


@db_group.command("upgrade", help=_("Create the database or migrate it to the newest schema."))
@db_options
def db_upgrade(config_path: Path | None, db_url: str | None) -> None:
    url = resolve_database_url(config_path, db_url)
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    click.echo(
        _("{url}: schema {before} → {after} (head {head})").format(
            url=url, before=before or _("empty"), after=after, head=head_revision()
        )
    )


@click.command(
    "backup",
    help=_("Copy the SQLite database to a timestamped file while the timer may keep running."),
)
@db_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=_("Folder for the backup (default: backups/ next to the database)."),
)
def backup_cmd(config_path: Path | None, db_url: str | None, out_dir: Path | None) -> None:
    path = _sqlite_file(config_path, db_url, "backup")
    target = backup_file(path, out_dir or path.parent / "backups")
    click.echo(str(target))  # machine output: the file, for scripts


@click.command(
    "restore",
    help=_("Replace the database with backup FILE (the current one is backed up first)."),
)
@db_options
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help=_("Do not ask for confirmation."))
def restore_cmd(config_path: Path | None, db_url: str | None, file: Path, yes: bool) -> None:
    path = _sqlite_file(config_path, db_url, "restore")
    if not yes:
        click.confirm(_("Replace {path} with {file}?").format(path=path, file=file), abort=True)
    with no_board_running(config_path, db_url, "restore"):
        safety = restore_file(file, path)
    if safety is not None:
        click.echo(_("previous database saved as {file}").format(file=safety))
    click.echo(_("restored {file} into {path}").format(file=file, path=path))


def register(group: click.Group) -> None:
    group.add_command(db_group)
    group.add_command(backup_cmd)
    group.add_command(restore_cmd)
