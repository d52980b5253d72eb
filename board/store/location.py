"""Where the data lives: one function every data command (and `lapgate run/demo`) calls.

Precedence: `--db URL`, then the config file's `[store] database_url`, then a SQLite file
`lapgate.sqlite3` in the data folder. The data folder is `$LAPGATE_DATA` when set, else the
config's `[store] data_dir` when a config is given, else `lapgate-data` under the current
directory. The folder is created on first use (by `make_engine`).
"""

from __future__ import annotations

import os
from pathlib import Path

from lapgate.config.settings import StoreSettings

DB_FILE_NAME = "lapgate.sqlite3"
DATA_DIR_ENV = "LAPGATE_DATA"


def data_dir(store: StoreSettings | None = None) -> Path:
    """The data folder (not created here)."""
    from_env = os.environ.get(DATA_DIR_ENV, "")
    if from_env:
        return Path(from_env)
    return Path((store or StoreSettings()).data_dir)


def resolve_database_url(config_path: str | Path | None, db_url: str | None) -> str:
    """The SQLAlchemy URL to use; see the module docstring for the precedence."""
    if db_url:
        return db_url
    store: StoreSettings | None = None
    if config_path is not None:
        from lapgate.config import load_settings

        store = load_settings(config_path).store
        if store.database_url:
            return store.database_url
    path = data_dir(store) / DB_FILE_NAME
    return f"sqlite:///{path.resolve()}"
