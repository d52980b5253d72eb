"""A lapgate event's final order as a race of the season (knockout rounds, each round
placed by its kind: timed, bracket, shootout)."""

from __future__ import annotations

from lapgate.board.bracket_document import LiveBracket
from lapgate.board.domain import EventInfo, Racer, RoundInfo, RunInfo
from lapgate.board.league.exports import final_csv
from lapgate.board.league.standings import compute_standings
from lapgate.board.league.summit import event_race
from lapgate.board.store.memory import MemoryStore
from lapgate.timer.bracket_layout import BracketKind, build_layout
from lapgate.timer.bracket_match import MatchRules
from lapgate.timer.brackets import bracket_state, new_bracket, record_result
from lapgate.timer.events import Crossing, GateCrossing
from lapgate.timer.formats import Format, FormatKind
from lapgate.timer.rounds import BracketRules
from lapgate.timer.run import RunConfig, RunLog
from lapgate.timer.staff import record
from lapgate.timer.units import NS_PER_S

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


# ---- an event with a timed round, a bracket round and a shootout ------------------------


def save_bracket(store: MemoryStore, round_id: str, script: list[tuple[str, str]]) -> None:
    """A double-elimination bracket of seeds a..h stopping at 3, decided by `script`."""
    rules = BracketRules(BracketKind.DOUBLE, 3, False, MatchRules(Format()))
    log = new_bracket(build_layout(8, BracketKind.DOUBLE, 3), tuple("abcdefgh"))
    for match_id, winner in script:
        log = record_result(log, match_id, winner)
    state = bracket_state(log)
    assert state.finished
    bracket = LiveBracket("b1", round_id, "t", "Final 8", "q", rules, log, state)
    store.save_bracket("b1", round_id, bracket.to_payload())


def championship() -> MemoryStore:
    store = MemoryStore()
    store.save_event(EventInfo("e", "S", "Summit", date="2024-05-02"))
    rounds = [
        RoundInfo("q", "e", "t", "Qualifying", 1, Format(), CONFIG, kind="timed"),
        RoundInfo("b", "e", "t", "Final 8", 2, Format(), CONFIG, kind="bracket"),
        RoundInfo(
            "s", "e", "t", "Shootout", 3, Format(FormatKind.SINGLE_LAP), CONFIG, kind="shootout"
        ),
    ]
    for info in rounds:
        store.save_round(info)
    for racer_id in "abcdefghijk":
        store.save_racer(Racer(racer_id, racer_id.upper()))
    # qualifying, fastest lap: a..h are the top 8 (seeds 1..8); i and j are out; k no lap
    for seq, racer_id in enumerate("abcdefghij", start=1):
        add_run(store, "q", racer_id, seq, [8.9 + seq / 10])  # a 9.0, b 9.1, …, j 9.9
    add_run(store, "q", "k", 11, [])
    # the final 8: each racer's best lap over their bracket runs
    bracket_laps = {"a": 8.8, "b": 9.0, "c": 9.1, "d": 9.3, "e": 9.2, "f": 8.9, "g": 9.6, "h": 9.4}
    for seq, (racer_id, lap_s) in enumerate(bracket_laps.items(), start=1):
        add_run(store, "b", racer_id, seq, [lap_s + 0.5, lap_s])
    save_bracket(
        store,
        "b",
        [
            ("W1-1", "a"),  # h drops
            ("W1-2", "e"),  # d drops (an upset)
            ("W1-3", "b"),  # g drops
            ("W1-4", "c"),  # f drops
            ("L1-1", "d"),  # h out in last-chance round 1
            ("L1-2", "g"),  # f out in last-chance round 1
            ("W2-1", "e"),  # a drops
            ("W2-2", "b"),  # c drops
            ("L2-1", "a"),  # d out in last-chance round 2
            ("L2-2", "g"),  # c out in last-chance round 2
            ("L3-1", "a"),  # g out in last-chance round 3: three remain (e, b, a)
        ],
    )
    # the shootout, one flying lap each: a 9.0, e 9.5 (its second lap, 8.5, does not
    # count), b sets no lap
    add_run(store, "s", "a", 1, [9.0])
    add_run(store, "s", "e", 2, [9.5, 8.5])
    add_run(store, "s", "b", 3, [])
    return store


def test_final_classification_places_each_round_by_its_kind() -> None:
    store = championship()
    race = event_race(store, store.load_event("e"))  # type: ignore[arg-type]
    order = [
        (r.alias, r.rank, r.ranking_time_ms, r.extra["Round"], r.extra["Format"])
        for r in race.results
    ]
    # worked out by hand: the shootout places a and e; b set no shootout lap, so the
    # bracket places b (a finalist with 0 losses) next; then the bracket by stage of
    # elimination (later first), inside a stage by the best lap in the bracket; then the
    # qualifying; k set no lap anywhere
    assert order == [
        ("A", 1, 9000.0, "Shootout", "shootout: single lap"),
        ("E", 2, 9500.0, "Shootout", "shootout: single lap"),
        ("B", 3, 9000.0, "Final 8", "bracket: finalist, 0 losses"),
        ("G", 4, 9600.0, "Final 8", "bracket: out in last-chance round 3"),  # slowest lap
        ("C", 5, 9100.0, "Final 8", "bracket: out in last-chance round 2"),
        ("D", 6, 9300.0, "Final 8", "bracket: out in last-chance round 2"),
        ("F", 7, 8900.0, "Final 8", "bracket: out in last-chance round 1"),  # 2nd fastest
        ("H", 8, 9400.0, "Final 8", "bracket: out in last-chance round 1"),
        ("I", 9, 9800.0, "Qualifying", "fastest lap"),
        ("J", 10, 9900.0, "Qualifying", "fastest lap"),
        ("K", None, None, "Qualifying", "fastest lap"),
    ]
    aws = {row.alias: row.points for row in compute_standings([race], "aws")}
    assert (aws["G"], aws["F"], aws["J"], aws["K"]) == (7, 4, 1, 0)


def test_a_bracket_round_alone_ranks_by_the_bracket_and_csv_says_how() -> None:
    store = championship()
    race = event_race(store, store.load_event("e"), round_id="b")  # type: ignore[arg-type]
    assert [(r.alias, r.rank) for r in race.results] == [
        ("B", 1),  # finalists by losses (e and b none), then best lap in the bracket
        ("E", 2),
        ("A", 3),
        ("G", 4),
        ("C", 5),
        ("D", 6),
        ("F", 7),
        ("H", 8),
    ]
    rows = final_csv(race.results).splitlines()
    assert rows[1].startswith("1,B,") and rows[1].endswith(",Final 8")


def test_a_bracket_round_without_its_document_falls_back_to_its_leaderboard() -> None:
    store = championship()
    store._brackets.clear()  # a lost document
    race = event_race(store, store.load_event("e"), round_id="b")  # type: ignore[arg-type]
    assert [r.alias for r in race.results][:3] == ["A", "F", "B"]  # by fastest lap
    assert race.results[0].extra["Format"] == "fastest lap"
