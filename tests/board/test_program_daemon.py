"""End to end: `lapgate run` plays config/examples/championship.toml through the HTTP API.

The simulated gate (50 × real time) drives every racer staff stage; the test acts as staff
does (open, queue, stage, end, decide, close) and checks each round's entrants and
outcome, the final CSV's ranks and the season's AWS points against its own calculation
from the laps the API reports. A second test races one round on two tracks.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from daemon_support import Staff, free_port, lapgate_run, venue_sections, wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROUND_1 = [f"Virtual {n:02d}" for n in range(1, 11)]
WILDCARD = ["Wild Alpha", "Wild Bravo", "Wild Charlie", "Virtual 03"]


def championship_config(tmp_path: Path, port: int) -> str:
    text = (ROOT / "config/examples/championship.toml").read_text(encoding="utf-8")
    text = text.replace("sigma_lap_s = 0.5\n", "sigma_lap_s = 0.5\nspeed_factor = 50\n")
    assert "speed_factor = 50" in text
    return text + venue_sections(tmp_path, port)


# ---- the staff's hands --------------------------------------------------------------------


def race(staff: Staff, laps: int, entry_id: str | None = None) -> dict[str, Any]:
    """Stage the queue's next racer (or `entry_id`), let the car do `laps` laps, end the run."""
    payload = {"entry_id": entry_id} if entry_id else {}
    run_id = staff.act("stage", **payload)["run_id"]
    wait_for(
        lambda: len(staff.get(f"/api/runs/{run_id}")["laps"]) >= laps,
        f"{laps} laps of run {run_id}",
    )
    staff.post("end", run_id=run_id)  # may have timed out already: then 409, fine
    run: dict[str, Any] = wait_for(
        lambda: (r := staff.get(f"/api/runs/{run_id}"))["status"] != "running" and r,
        f"run {run_id} to end",
    )
    return run


def race_queue(staff: Staff, laps: int) -> list[dict[str, Any]]:
    runs = []
    while staff.get("/api/tracks/track-1")["queue"]:
        runs.append(race(staff, laps))
    return runs


def program(staff: Staff) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in staff.get("/api/program")}


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in rows]


# ---- the independent calculation ----------------------------------------------------------


def valid_laps(run: dict[str, Any]) -> list[int]:
    return [lap["duration_ms"] for lap in run["laps"] if lap["valid"]]


def best_lap(runs: list[dict[str, Any]]) -> int | None:
    laps = [ms for run in runs for ms in valid_laps(run)]
    return min(laps) if laps else None


def best_average(runs: list[dict[str, Any]], n: int = 3) -> float | None:
    windows = []
    for run in runs:
        laps = run["laps"]
        for i in range(len(laps) - n + 1):
            window = laps[i : i + n]
            if all(lap["valid"] for lap in window):
                windows.append(sum(lap["duration_ms"] for lap in window) / n)
    return min(windows) if windows else None


def by_racer(runs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        found.setdefault(run["racer"], []).append(run)
    return found


def aws_points(rank: int) -> int:
    return max(11 - rank, 1)


# ---- the test -----------------------------------------------------------------------------


def test_the_championship_program_runs_live(tmp_path: Path) -> None:
    port = free_port()
    with lapgate_run(tmp_path, championship_config(tmp_path, port), port) as base:
        staff = Staff(base)
        rounds = program(staff)
        assert list(rounds) == [
            "Round 1 (virtual)",
            "Wildcard",
            "Round of 32",
            "Final 8",
            "Final shootout",
        ]
        assert {r["status"] for r in rounds.values()} == {"pending"}

        # Round 1 was virtual: its advancers are imported from a CSV, then it closes.
        csv_text = "Rank,Alias\n" + "".join(f"{i},{n}\n" for i, n in enumerate(ROUND_1, 1))
        staff.act("round_advancers_csv", round_id="Round 1 (virtual)", csv=csv_text)
        closed = staff.act("round_close", round_id="Round 1 (virtual)")
        assert len(closed["advanced"]) == 10

        # Wildcard: open entry, one run each; the best two not already qualified join.
        refused = staff.post("round_open", round_id="Round of 32")
        assert refused.status_code == 409 and "Wildcard" in refused.json()["error"]
        staff.act("round_open", round_id="Wildcard")
        for alias in WILDCARD:  # some raced round 1 already: the same people
            staff.act("queue_add", alias=alias, same_racer=True)
        wild_runs = by_racer(race_queue(staff, laps=2))
        again = staff.post("queue_add", alias="Wild Alpha", same_racer=True)
        staff.act("queue_remove", entry_id=again.json()["entry_id"])
        wild_best = {name: best_lap(runs) for name, runs in wild_runs.items()}
        contenders = sorted(
            (n for n in WILDCARD if n not in ROUND_1), key=lambda n: wild_best[n] or 10**9
        )
        wildcards = contenders[:2]
        staff.act("round_close", round_id="Wildcard")
        outcome = program(staff)["Wildcard"]["outcome"]
        assert names(outcome["advanced"]) == wildcards

        # Round of 32: entrants are round 1's advancers, then the wildcards, in that order.
        preview = staff.get("/api/rounds/Round of 32/preview")
        assert names(preview["entrants"]) == [*ROUND_1, *wildcards]
        staff.act("round_open", round_id="Round of 32")
        outsider = contenders[2]
        refused = staff.post("queue_add", alias=outsider, same_racer=True)
        assert refused.status_code == 409
        assert f"{outsider} is not an entrant of Round of 32" in refused.json()["error"]
        let_in = staff.act(
            "queue_add", alias=outsider, same_racer=True, override_reason="test: staff override"
        )
        staff.act("queue_remove", entry_id=let_in["entry_id"])
        assert program(staff)["Round of 32"]["entrant_log"][-1]["reason"] == (
            "test: staff override"
        )
        for alias in [*ROUND_1, *wildcards]:
            staff.act("queue_add", alias=alias)
        r32_runs = by_racer(race_queue(staff, laps=4))
        averages = {name: best_average(runs) for name, runs in r32_runs.items()}
        r32_order = sorted(averages, key=lambda n: averages[n] or 10**9)
        staff.act("round_close", round_id="Round of 32")
        assert names(program(staff)["Round of 32"]["outcome"]["advanced"]) == r32_order[:8]

        # Final 8: double elimination seeded from the round of 32, fastest lap per match.
        staff.act("round_open", round_id="Final 8")
        bracket = staff.get("/api/brackets/latest")
        assert bracket["name"] == "Final 8" and bracket["size"] == 8
        bracket_id = bracket["bracket_id"]
        bracket_runs: dict[str, list[dict[str, Any]]] = {}
        while not (bracket := staff.get(f"/api/brackets/{bracket_id}"))["finished"]:
            match_id = staff.act("bracket_stage", bracket_id=bracket_id)["match_id"]
            match_runs = by_racer(race_queue(staff, laps=1))
            for name, runs in match_runs.items():
                bracket_runs.setdefault(name, []).extend(runs)
            decided = staff.act("bracket_decide", bracket_id=bracket_id)
            laps = {name: best_lap(runs) for name, runs in match_runs.items()}
            winner = min(laps, key=lambda n: laps[n] or 10**9)
            racers = staff.get("/api/racers")
            winner_id = next(r["racer_id"] for r in racers if r["alias"] == winner)
            assert decided["winner_id"] == winner_id, (match_id, laps, decided)
        finalists = [f["name"] for f in bracket["finalists"]]
        assert len(finalists) == 3
        staff.act("round_close", round_id="Final 8")
        bracket_results = staff.get("/api/rounds/Final 8/results")
        advanced = names(program(staff)["Final 8"]["outcome"]["advanced"])
        assert sorted(advanced) == sorted(finalists)

        # Final shootout: one flying lap each, best-placed finalist runs last.
        staff.act("round_open", round_id="Final shootout")
        queue = staff.get("/api/tracks/track-1")["queue"]
        assert names(queue) == list(reversed(advanced))
        shootout = {run["racer"]: run for run in race_queue(staff, laps=1)}
        staff.act("round_close", round_id="Final shootout")

        export = staff.session.get(f"{base}/api/export/final-csv", timeout=30)
        assert export.status_code == 200, export.text
        rows = list(csv.DictReader(io.StringIO(export.text)))
        season = staff.get("/api/event")["season"]
        standings = staff.get(f"/api/standings?season={season}&scheme=aws&limit=100")

    expected = expected_classification(
        shootout, bracket, bracket_runs, r32_order, averages, wild_best, wildcards, ROUND_1
    )
    assert [r["place"] for r in bracket_results] == list(range(1, 9))
    assert sorted(names(bracket_results)[:3]) == sorted(expected[:3])  # the finalists
    assert names(bracket_results)[3:] == expected[3:8]  # then by stage of elimination
    ranked = [(int(r["Rank"]), r["Alias"]) for r in rows if r["Rank"]]
    assert ranked == list(enumerate(expected, 1))
    points = {row["alias"]: row["points"] for row in standings["rows"]}
    assert points == {alias: aws_points(rank) for rank, alias in enumerate(expected, 1)}


def expected_classification(
    shootout: dict[str, dict[str, Any]],
    bracket: dict[str, Any],
    bracket_runs: dict[str, list[dict[str, Any]]],
    r32_order: list[str],
    averages: dict[str, float | None],
    wild_best: dict[str, int | None],
    wildcards: list[str],
    round_1: list[str],
) -> list[str]:
    """The final order as docs/formats.md states it, worked out from the API's laps.

    Last round first: the shootout by its single lap; then the bracket's other racers by
    the stage of their final loss (later first), inside a stage by best lap in the bracket,
    then seed; then the round of 32's other racers by average; then the wildcard's.
    """
    first_lap = {n: run["laps"][0]["duration_ms"] for n, run in shootout.items() if run["laps"]}
    order = sorted(shootout, key=lambda n: first_lap.get(n, 10**9))
    stage_of: dict[str, int] = {}
    seeds: dict[str, int] = {}
    for side_index, side in enumerate(bracket["brackets"]):
        for round_ in side["rounds"]:
            for match in round_["matches"]:
                for part in ("top", "bottom"):
                    racer = match[part]["racer"]
                    if racer:
                        seeds[racer["name"]] = racer["seed"]
                loser = match["loser"]
                if loser and loser["losses"] >= 2 and match["status"] == "decided":
                    # the loss that put them out: later rounds of later sides come later
                    stage_of[loser["name"]] = max(
                        stage_of.get(loser["name"], 0), side_index * 100 + round_["round"]
                    )
    out = [n for n in r32_order[:8] if n not in order]
    laps = {n: best_lap(runs) or 10**9 for n, runs in bracket_runs.items()}
    out.sort(key=lambda n: (-stage_of.get(n, 0), laps.get(n, 10**9), seeds.get(n, 99)))
    order += out
    order += [n for n in r32_order[8:] if averages.get(n) is not None]
    wild_rest = [n for n in wild_best if n not in wildcards and n not in round_1]
    order += sorted(wild_rest, key=lambda n: wild_best[n] or 10**9)
    return order


def test_one_round_on_two_tracks_ranks_by_result(tmp_path: Path) -> None:
    port = free_port()
    config = (
        '[event]\nname = "Two tracks"\nseason = "2026"\n'
        "[round]\ntime_limit_s = 600\n"
        '[[gate]]\nid = "north"\nkind = "simulated"\nseed = 1\nspeed_factor = 50\n'
        "mean_lap_s = 12.0\nsigma_lap_s = 0.3\n"
        '[[gate]]\nid = "south"\nkind = "simulated"\nseed = 2\nspeed_factor = 50\n'
        "mean_lap_s = 8.0\nsigma_lap_s = 0.3\n"
        '[[track]]\nid = "a"\nname = "Track A"\ngate = "north"\n'
        '[[track]]\nid = "b"\nname = "Track B"\ngate = "south"\n'
    ) + venue_sections(tmp_path, port)
    with lapgate_run(tmp_path, config, port) as base:
        staff = Staff(base)
        for alias, track_id in (("Ann", "a"), ("Ben", "a"), ("Cat", "b"), ("Dan", "b")):
            staff.act("queue_add", alias=alias, track_id=track_id)
        snapshot = staff.get("/api/snapshot")
        queues = {t["track_id"]: names(t["queue"]) for t in snapshot["tracks"]}
        assert queues == {"a": ["Ann", "Ben"], "b": ["Cat", "Dan"]}
        runs = []
        for _ in range(2):
            for track_id in ("a", "b"):
                run_id = staff.act("stage", track_id=track_id)["run_id"]
                runs.append(run_id)
            for run_id in runs[-2:]:
                wait_for(
                    lambda r=run_id: len(staff.get(f"/api/runs/{r}")["laps"]) >= 2,
                    f"2 laps of {run_id}",
                )
                staff.act("end", run_id=run_id)
        details = [staff.get(f"/api/runs/{r}") for r in runs]
        best = {run["racer"]: best_lap([run]) for run in details}
        expected = sorted(best, key=lambda n: best[n] or 10**9)
        snapshot = staff.get("/api/snapshot")
        rounds = {t["round"]["round_id"] for t in snapshot["tracks"]}
        assert len(rounds) == 1  # one round raced on both tracks
        for track in snapshot["tracks"]:
            assert names(track["leaderboard"]) == expected
        assert expected[:2] == ["Cat", "Dan"] or expected[:2] == ["Dan", "Cat"]  # track B laps 8 s
        export = staff.session.get(f"{base}/api/export/final-csv", timeout=30)
        rows = list(csv.DictReader(io.StringIO(export.text)))
        assert [(int(r["Rank"]), r["Alias"]) for r in rows] == list(enumerate(expected, 1))
        tracks = {t["track_id"]: t for t in snapshot["tracks"]}
        assert re.match(r"^[0-9a-f]{32}$", tracks["a"]["round"]["round_id"])
