"""Persistence. `RaceStore` is the interface the engine host uses; `MemoryStore` keeps it
in memory (tests); `board.store.sql.SqlStore(url)` persists it with SQLAlchemy (SQLite or
PostgreSQL) and adds the league side (`ResultStore`). `board.store.location` says which
database a command uses. `SqlStore` is not imported here, so that importing the interface
does not load SQLAlchemy and Alembic.
"""

from lapgate.board.store.api import RaceStore
from lapgate.board.store.memory import MemoryStore

__all__ = ["MemoryStore", "RaceStore"]
