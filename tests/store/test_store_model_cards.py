"""Model cards in the store: one per racer and model name (without case), in both stores."""

from __future__ import annotations

import datetime as dt

import pytest

from lapgate.board.domain import ModelCardRecord, Racer
from lapgate.board.store.memory import MemoryStore
from lapgate.board.store.sql import SqlStore
from lapgate.timer.errors import UnknownEvent

AT = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sql", "memory"])
def any_store(request: pytest.FixtureRequest, store: SqlStore) -> SqlStore | MemoryStore:
    return store if request.param == "sql" else MemoryStore()


def test_a_card_is_stored_and_replaced_by_its_name(any_store: SqlStore | MemoryStore) -> None:
    any_store.save_racer(Racer("r1", "Ada"))
    any_store.save_model_card(ModelCardRecord("c1", "r1", "Fast-V3", {"name": "Fast-V3"}, AT))
    any_store.save_model_card(
        ModelCardRecord("c2", "r1", "fast-v3", {"name": "fast-v3", "v": 2}, AT)
    )
    any_store.save_model_card(ModelCardRecord("c3", "r1", "other", {"name": "other"}, AT))
    cards = {c.name: c for c in any_store.list_model_cards()}
    assert set(cards) == {"fast-v3", "other"}
    assert cards["fast-v3"].document == {"name": "fast-v3", "v": 2}
    assert cards["fast-v3"].submitted_at == AT


def test_a_card_needs_a_known_racer(any_store: SqlStore | MemoryStore) -> None:
    with pytest.raises(UnknownEvent, match="racer id 'nobody' is unknown"):
        any_store.save_model_card(ModelCardRecord("c1", "nobody", "m", {}, AT))
