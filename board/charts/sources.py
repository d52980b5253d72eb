"""Chart inputs from the live core's views (read on the engine host's thread)."""

from __future__ import annotations

from typing import Any

from lapgate.board.charts.figures import Distribution, LapPoint, RunChart
from lapgate.board.charts.words import _
from lapgate.board.live.race import Race
from lapgate.timer.units import ms_from_ns


def run_chart_of(view: dict[str, Any]) -> RunChart:
    """A run's chart from its `run_view` (the same numbers the pages show)."""
    laps = [
        LapPoint(lap["number"], lap["duration_ms"], lap["valid"], lap["resets"])
        for lap in view["laps"]
    ]
    return RunChart(
        title=_("%(racer)s · run %(seq)s", racer=view["racer"], seq=view["seq"]),
        laps=laps,
        best_lap_number=view["best_lap_number"],
        window_lap_numbers=tuple(view["window_lap_numbers"]),
        window_ms=view["window_ms"],
        window_laps=view["window_laps"],
    )


def round_distribution(
    race: Race, round_id: str, title: str = "%(name)s · lap times", default_name: str = ""
) -> Distribution:
    """Every lap raced in the round, valid ones as times, invalid ones counted; `title`
    names the chart from the round's `%(name)s` (translated before: this runs on the
    engine host's thread, outside the request); `default_name` stands for the name the
    board gave the round itself ("Round 1"), in the page's language."""
    info = race.find_round(round_id)
    name = default_name if default_name and info.state.get("default_name") else info.name
    valid: list[int] = []
    invalid = 0
    for run in race.round_runs(info.round_id):
        for lap in run.state.laps:
            if lap.valid:
                valid.append(ms_from_ns(lap.duration_ns))
            else:
                invalid += 1
    return Distribution(title % {"name": name}, valid, invalid)
