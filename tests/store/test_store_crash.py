"""kill -9 of the store + engine process loses no acknowledged event (bench/crash.py, fewer
trials; `python bench/crash.py` runs the full 50)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "crash.py"


def load_bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("lapgate_bench_crash", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_kill_9_loses_no_acknowledged_event(tmp_path: Path) -> None:
    bench = load_bench()
    report = bench.run_trials(10, tmp_path / "crash.sqlite3", seed=7)
    assert report.trials == 10
    assert report.acked > 0, "the child never acknowledged an event"
    assert report.problems == []
    assert (report.lost_events, report.corrupt_databases, report.not_continued) == (0, 0, 0)
