"""A lapgate event's final order as a race of the season (knockout rounds)."""

from __future__ import annotations

from board.domain import EventInfo, Racer, RoundInfo, RunInfo
from board.league.summit import event_race
from board.store.memory import MemoryStore
from timer.events import Crossing, GateCrossing
from timer.formats import Format
from timer.run import RunConfig, RunLog
from timer.staff import record
from timer.units import NS_PER_S

CONFIG = RunConfig()


def add_run(
    store: MemoryStore, round_id: str, racer_id: str, seq: int, laps_s: list[float]
) -> None:
    run_id = f"{round_id}-{seq}"
    store.create_run(RunInfo(run_id, round_id, racer_id, seq, CONFIG))
    log, t_s = RunLog(CONFIG), 1.0
    for lap_s in [0.0, *laps_s]:
        t_s += lap_s
        event = GateCrossing(Crossing("finish", round(t_s * NS_PER_S), "g"))
        log = record(log, event)
        store.append_event(run_id, log.next_id - 1, event)


def summit() -> MemoryStore:
    store = MemoryStore()
    store.save_event(EventInfo("e", "S", "Summit", date="2024-05-02"))
    store.save_round(RoundInfo("q", "e", "t", "Qualifying", 1, Format(), CONFIG))
    store.save_round(RoundInfo("f", "e", "t", "Final", 2, Format.average(2), CONFIG))
    for racer_id in "abcde":
        store.save_racer(Racer(racer_id, racer_id.upper()))
    # qualifying: e is fastest but (say) misses the final; c sets no lap
    add_run(store, "q", "a", 1, [10.0])
    add_run(store, "q", "b", 2, [10.5])
    add_run(store, "q", "c", 3, [])
    add_run(store, "q", "d", 4, [11.0])
    add_run(store, "q", "e", 5, [9.0])
    # final, average of 2: b beats a; d has only one lap (no average)
    add_run(store, "f", "a", 1, [10.0, 10.4])
    add_run(store, "f", "b", 2, [10.1, 10.1])
    add_run(store, "f", "d", 3, [10.0])
    return store


def test_later_rounds_rank_above_earlier_eliminations() -> None:
    store = summit()
    race = event_race(store, store.load_event("e"))  # type: ignore[arg-type]
    order = [(r.alias, r.rank, r.ranking_time_ms, r.extra["Round"]) for r in race.results]
    assert order == [
        ("B", 1, 10100.0, "Final"),
        ("A", 2, 10200.0, "Final"),
        ("D", 3, 11000.0, "Qualifying"),  # a finalist without an average: by qualifying
        ("E", 4, 9000.0, "Qualifying"),  # faster, but out before the final
        ("C", None, None, "Qualifying"),
    ]
    assert race.meta.launch_time_ms is not None and race.meta.kind == "summit"


def test_ranks_close_up_over_eliminated_racers_and_ties_share() -> None:
    store = summit()
    add_run(store, "q", "e", 6, [10.0])  # e's second run changes nothing (9.0 is best)
    store.save_racer(Racer("g", "G"))
    store.save_racer(Racer("h", "H"))
    add_run(store, "q", "g", 7, [12.0, 12.5])  # g and h tie on every key but who was first
    add_run(store, "q", "h", 8, [12.0, 12.5])
    race = event_race(store, store.load_event("e"))  # type: ignore[arg-type]
    assert [(r.alias, r.rank) for r in race.results] == [
        ("B", 1),
        ("A", 2),
        ("D", 3),
        ("E", 4),
        ("G", 5),
        ("H", 6),  # set later: the tie-break of the format separates them
        ("C", None),
    ]


def test_one_round_only() -> None:
    store = summit()
    race = event_race(store, store.load_event("e"), round_id="q")  # type: ignore[arg-type]
    assert [(r.alias, r.rank) for r in race.results] == [
        ("E", 1),
        ("A", 2),
        ("B", 3),
        ("D", 4),
        ("C", None),
    ]
