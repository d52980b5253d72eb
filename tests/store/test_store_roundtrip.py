"""A summit exported as final-csv and imported as a race scores the same; exports are safe."""

from __future__ import annotations

import csv
import io
import json

import pytest

from lapgate.board.domain import EventInfo, Racer, RoundInfo, RunInfo
from lapgate.board.league.event_export import ExportError, export_event
from lapgate.board.league.imports import parse_results
from lapgate.board.league.model import RaceMeta
from lapgate.board.league.standings import compute_standings
from lapgate.board.league.summit import season_races
from lapgate.board.store.sql import SqlStore
from lapgate.timer.events import AdjustResets, Crossing, GateCrossing, RunEvent
from lapgate.timer.formats import Format
from lapgate.timer.run import RunConfig, RunLog
from lapgate.timer.staff import record
from lapgate.timer.units import NS_PER_S

CONFIG = RunConfig(time_limit_ns=120 * NS_PER_S, max_resets_per_lap=1)
RACERS = [
    Racer("r-ada", "Ada", user_id="u-ada", country="GB"),
    Racer("r-bob", "Bob"),
    Racer("r-evil", '=HYPERLINK("http://x")', user_id="+u-evil"),
    Racer("r-cy", "Cy"),
    Racer("r-dee", "Dee"),
]
# lap times (s) per racer per run: the first crossing starts lap 1
LAPS = {
    "r-ada": [[10.2, 10.1, 10.4], [9.95, 10.6]],
    "r-bob": [[10.5, 10.3, 10.9]],
    "r-evil": [[11.0, 10.8]],
    "r-cy": [[12.0]],
    "r-dee": [[]],  # a run without a completed lap: no rank
}


def append(store: SqlStore, run_id: str, log: RunLog, event: RunEvent) -> RunLog:
    log = record(log, event)
    store.append_event(run_id, log.next_id - 1, event)
    return log


def build_summit(store: SqlStore, season: str = "2024") -> None:
    store.save_event(EventInfo("summit", season, "Summit Expo", date="2024-06-01"))
    store.save_round(RoundInfo("q", "summit", "track-1", "Qualifying", 1, Format(), CONFIG))
    for racer in RACERS:
        store.save_racer(racer)
    seq = 0
    for racer_id, runs in LAPS.items():
        for laps in runs:
            seq += 1
            run_id = f"run-{seq}"
            store.create_run(RunInfo(run_id, "q", racer_id, seq, CONFIG, car="c1", proxy=seq == 2))
            log = RunLog(CONFIG)
            t_s = 5.0
            log = append(
                store, run_id, log, GateCrossing(Crossing("finish", int(t_s * NS_PER_S), "g"))
            )
            for lap_s in laps:
                t_s += lap_s
                crossing = GateCrossing(Crossing("finish", round(t_s * NS_PER_S), "g"))
                log = append(store, run_id, log, crossing)
            if racer_id == "r-bob":  # two resets on lap 1: invalid (1 allowed)
                for _ in range(2):
                    log = append(store, run_id, log, AdjustResets(int(7 * NS_PER_S), 1))


def test_final_csv_round_trip_standings_agree(store: SqlStore) -> None:
    build_summit(store)
    exported = export_event(store, "Summit Expo", "final-csv")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [r["Alias"] for r in rows][:4] == ["Ada", "Bob", '\'=HYPERLINK("http://x")', "Cy"]
    assert rows[0]["RankingScore"] == "9950" and rows[0]["BestLapTime"] == "9950"
    assert rows[2]["UserId"] == "'+u-evil"
    assert rows[-1]["Alias"] == "Dee" and rows[-1]["Rank"] == ""
    parsed = parse_results(exported, "summit.csv")
    assert parsed.problems == ()
    store.import_race(RaceMeta("copy", "Summit Expo (imported)", "summit-copy"), parsed.rows)
    for scheme in ("aws", "community"):
        live = compute_standings(season_races(store, "2024"), scheme, store.racer_records())
        again = compute_standings(season_races(store, "copy"), scheme, store.racer_records())
        assert [(r.racer_id, r.rank, r.points, r.races) for r in live] == [
            (r.racer_id, r.rank, r.points, r.races) for r in again
        ], scheme
    aws = {r.alias: r.points for r in compute_standings(season_races(store, "2024"), "aws")}
    assert aws == {"Ada": 10, "Bob": 9, '=HYPERLINK("http://x")': 8, "Cy": 7, "Dee": 0}


def test_laps_csv_and_json_exports(store: SqlStore) -> None:
    build_summit(store)
    laps = list(csv.DictReader(io.StringIO(export_event(store, "summit", "laps-csv"))))
    assert len(laps) == sum(len(run) for runs in LAPS.values() for run in runs)
    evil = [row for row in laps if row["UserId"] == "'+u-evil"]
    assert evil and all(row["Racer"].startswith("'=") for row in evil)
    bob = [row for row in laps if row["Racer"] == "Bob"]
    assert (bob[0]["Lap"], bob[0]["Resets"], bob[0]["Valid"]) == ("1", "2", "false")
    assert laps[0]["TimeMs"] == "10200" and laps[0]["Source"] == "gate"
    document = json.loads(export_event(store, "summit", "json"))
    assert document["event"]["name"] == "Summit Expo"
    [round_doc] = document["rounds"]
    first_run = round_doc["runs"][0]
    assert first_run["log"][0]["kind"] == "crossing"
    assert first_run["laps"][0]["time_ms"] == 10200
    assert round_doc["runs"][1]["proxy"] is True
    assert len(document["results"]) == len(RACERS)


def test_round_selection_and_unknown_names(store: SqlStore) -> None:
    build_summit(store)
    whole = export_event(store, "summit", "final-csv")
    assert export_event(store, "summit", "final-csv", round_key="Qualifying") == whole
    assert export_event(store, "summit", "final-csv", round_key="1") == whole
    with pytest.raises(ExportError, match="not a round"):
        export_event(store, "summit", "final-csv", round_key="Final")
    with pytest.raises(ExportError, match="no such event"):
        export_event(store, "nope", "json")
    store.import_race(RaceMeta("2024", "Virtual", "v1"), parse_results("Alias\nAda\n", "v").rows)
    with pytest.raises(ExportError, match="has results, not laps"):
        export_event(store, "Virtual", "laps-csv")
