"""Schema migrations: Alembic from the first table on.

`upgrade(engine)` brings a database to the newest schema; stores call it on open, so a new
SQLite file is ready on first use, and `lapgate db upgrade` calls it explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

BOARD_DIR = Path(__file__).resolve().parent.parent
ALEMBIC_INI = BOARD_DIR / "alembic.ini"


def alembic_config() -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(BOARD_DIR / "migrations"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def sqlite_foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite's foreign keys off on `conn` while migrations run on it, on again after.

    Alembic rebuilds a SQLite table by copy, drop and rename; with foreign keys on, the drop
    deletes every row that references the table by an ON DELETE CASCADE key (rebuilding
    `rounds` would delete the runs). The pragma only takes effect outside a transaction,
    hence around it; migrations that rebuild a table check the keys before they end.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()  # nothing left open, or the pragma would be ignored
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind `engine` to `revision` (default: the newest)."""
    config = alembic_config()
    with engine.connect() as conn, sqlite_foreign_keys_off(conn), conn.begin():
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
