"""Teams in the store (SQLite and PostgreSQL): members, one team per racer per event, and a
racer merge moving (and its undo moving back) team rows and who drove."""

from __future__ import annotations

import pytest

from lapgate.board.domain import EventInfo, QueueEntry, Racer, RoundInfo, RunInfo, Team
from lapgate.board.store.sql import SqlStore
from lapgate.timer.errors import RuleViolation
from lapgate.timer.formats import Format
from lapgate.timer.run import RunConfig


def seed(store: SqlStore) -> None:
    store.save_event(EventInfo("ev1", "2019", "League day"))
    for racer_id, alias in (
        ("team", "Rocket Co"),
        ("ann", "Ann"),
        ("ann2", "Ann B"),
        ("pat", "Pat"),
    ):
        store.save_racer(Racer(racer_id, alias))
    store.save_round(RoundInfo("r1", "ev1", "", "Open", 1, Format(), RunConfig()))
    store.save_team(Team("t1", "ev1", "team", "Rocket Co", "DR-7", ("ann2",)))
    store.create_run(RunInfo("run1", "r1", "team", 1, RunConfig(), raced_by="pat", proxy=True))
    store.save_queue("r1", [QueueEntry("q1", "r1", "team", 0, raced_by="ann2")])


def test_a_merge_moves_team_rows_and_its_undo_moves_them_back(store: SqlStore) -> None:
    seed(store)
    merge_id = store.merge_racers("ann", "ann2")
    assert store.list_teams("ev1")[0].members == ("ann",)
    assert store.load_queue("r1")[0].raced_by == "ann"
    proxy_merge = store.merge_racers("ann", "pat")
    assert store.list_runs("r1")[0].raced_by == "ann"
    store.undo_merge(proxy_merge)
    store.undo_merge(merge_id)
    assert store.list_teams("ev1")[0].members == ("ann2",)
    assert store.load_queue("r1")[0].raced_by == "ann2"
    assert store.list_runs("r1")[0].raced_by == "pat"


def test_a_merge_of_two_team_members_of_one_event_is_refused(store: SqlStore) -> None:
    seed(store)
    store.save_racer(Racer("team2", "Comet Co"))
    store.save_team(Team("t2", "ev1", "team2", "Comet Co", "", ("ann",)))
    with pytest.raises(RuleViolation, match="both racers are team members"):
        store.merge_racers("ann", "ann2")
    assert store.list_teams("ev1")[1].members == ("ann2",)  # nothing moved
