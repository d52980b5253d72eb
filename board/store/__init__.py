"""Persistence. `RaceStore` is the interface the engine host uses; `MemoryStore` keeps it
in memory (tests, and until the SQLAlchemy store is wired); the SQLAlchemy store persists it.
"""

from board.store.api import RaceStore
from board.store.memory import MemoryStore

__all__ = ["MemoryStore", "RaceStore"]
