"""Season import and standings at league scale: 8 races of ~3,000 racers each.

Writes 8 seeded results files in the deepracer-race-data format, imports them into a
fresh SQLite store (parse + import, as `lapgate import-results` does), then loads the
season and computes AWS and community standings. Prints seconds and peak memory.
Targets on the reference machine: import < 10 s, standings < 1 s.

Usage: ``python bench/standings.py [--races 8] [--racers 3000] [--db URL]``
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lapgate.board.league.imports import read_results  # noqa: E402
from lapgate.board.league.model import RaceMeta  # noqa: E402
from lapgate.board.league.standings import compute_standings  # noqa: E402
from lapgate.board.league.summit import season_races  # noqa: E402
from lapgate.board.store.sql import SqlStore  # noqa: E402

HEADER = (
    "Alias,SubmissionTime,LapCount,AvgLapTime,BestLapTime,TotalLapTime,AvgResets,"
    "CollisionCount,OffTrackCount,ResetCount,SubmissionCount,Rank,"
    "LeaderboardSubmissionStatusType,RankingScore,RacingDivision,UserId\n"
)


def write_race(path: Path, rng: random.Random, pool: list[str], racers: int) -> None:
    entrants = rng.sample(pool, racers)
    times = sorted((rng.randint(45_000, 240_000), user) for user in entrants)
    lines = [HEADER]
    for rank, (total_ms, user) in enumerate(times, start=1):
        best = total_ms // 3 - rng.randint(0, 800)
        lines.append(
            f"{user}-alias,1630115947766,3,{total_ms // 3},{best},{total_ms},0.0,0,0,0,"
            f"{rng.randint(1, 500)},{rank},SUCCESS,{total_ms},OPEN,{user}\n"
        )
    path.write_text("".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--races", type=int, default=8)
    parser.add_argument("--racers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default=None, help="database URL (default: a temp SQLite file)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = [f"user{n:05d}" for n in range(int(args.racers * 1.6))]
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for index in range(args.races):
            path = Path(folder) / f"race-{index}.csv"
            write_race(path, rng, pool, args.racers)
            files.append(path)
        store = SqlStore(args.db or f"sqlite:///{folder}/bench.sqlite3")
        started = time.perf_counter()
        for index, path in enumerate(files):
            parsed = read_results(path)
            meta = RaceMeta("bench", f"Race {index}", path.stem, launch_time_ms=index * 1000)
            store.import_race(meta, parsed.rows)
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        races = season_races(store, "bench")
        records = store.racer_records(history=False)
        aws = compute_standings(races, "aws", records)
        community = compute_standings(races, "community", records)
        standings_s = time.perf_counter() - started
        store.close()
    results = sum(len(race.results) for race in races)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"races: {len(races)}  results: {results}  racers: {len(aws)}")
    print(f"import: {import_s:.2f} s (target < 10 s)")
    print(f"standings (load season + AWS + community): {standings_s:.2f} s (target < 1 s)")
    print(f"peak memory (max RSS): {peak_mib:.0f} MiB")
    print(f"leaders: AWS {aws[0].alias} {aws[0].points:g}; community {community[0].alias} "
          f"{community[0].points:g}")  # fmt: skip
    started = time.perf_counter()
    sum(range(10_000_000))
    cpu_s = time.perf_counter() - started
    # The same work takes 0.36-1.2 s on the 2-core development VM depending on its host's
    # load: read the figures above against this one.
    print(f"cpu check: sum(range(10**7)) took {cpu_s:.2f} s (higher: a slower or busier CPU)")
    ok = import_s < 10 and standings_s < 1
    print("within targets" if ok else "OUTSIDE TARGETS")


if __name__ == "__main__":
    main()
