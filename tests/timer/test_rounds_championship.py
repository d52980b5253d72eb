"""config/examples/championship.toml played end to end with simulated laps.

Every run is a real run log: gate crossings with synthetic timestamps, staff resets that
make laps invalid, double triggers inside the lockout, all recorded through
`timer.staff.record` and folded by `timer.run.run_state`. At every step the engine's
advancement is checked against an independent calculation from the generated laps.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lapgate.config import load_settings
from lapgate.timer.bracket_match import MatchSide, apply_decision, decide_match
from lapgate.timer.brackets import BracketLog, MatchStatus, bracket_state
from lapgate.timer.errors import RuleViolation
from lapgate.timer.events import AdjustResets, Crossing, GateCrossing
from lapgate.timer.formats import RunLaps
from lapgate.timer.leaderboard import RacerRuns, leaderboard
from lapgate.timer.rounds import (
    EventPlan,
    Qualification,
    RoundKind,
    RoundSpec,
    advance,
    already_qualified,
    bracket_qualification,
    check_may_run,
    entrants,
    open_bracket,
    shootout_qualification,
)
from lapgate.timer.run import RunConfig, RunLog, RunStatus, run_state
from lapgate.timer.shootout import next_runner, running_order, shootout_places
from lapgate.timer.staff import record

CHAMPIONSHIP = Path(__file__).resolve().parents[2] / "config" / "examples" / "championship.toml"
MS = 1_000_000
S = 1_000_000_000


@dataclass
class Track:
    """Hands out run slots on one monotonic clock and numbers runs in order."""

    rng: random.Random
    skill_ms: dict[str, int]
    now_ns: int = 10 * S
    seq: int = 0
    unique: int = 0
    expected: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)

    def lap_ns(self, racer: str) -> int:
        # a per-lap offset in ns keeps every lap time distinct, so no tie-break is needed
        self.unique += 1
        return (self.skill_ms[racer] + self.rng.randint(-400, 400)) * MS + self.unique

    def run(self, racer: str, config: RunConfig, max_laps: int | None = None) -> RunLaps:
        """One run: rolling start, laps until time is up (or `max_laps`), some invalid."""
        self.seq += 1
        start = self.now_ns
        log = record(RunLog(config), GateCrossing(Crossing("finish", start, "sim")))
        t, laps = start, list[tuple[int, bool]]()
        while t <= start + config.time_limit_ns and (max_laps is None or len(laps) < max_laps):
            duration = self.lap_ns(racer)
            invalid = self.rng.random() < 0.15
            if invalid:  # the pit crew puts the car back four times: over the limit of 3
                for k in range(4):
                    log = record(log, AdjustResets(t + (k + 1) * S, +1))
            if self.rng.random() < 0.1:  # a second strip pressed by the same car
                log = record(log, GateCrossing(Crossing("finish", t + 300 * MS, "sim:b")))
            t += duration
            log = record(log, GateCrossing(Crossing("finish", t, "sim")))
            laps.append((duration, not invalid))
        self.now_ns = t + 30 * S
        state = run_state(log)
        assert [(lap.duration_ns, lap.valid) for lap in state.laps] == laps
        assert state.status in (RunStatus.FINISHED, RunStatus.RUNNING)
        return RunLaps(f"run{self.seq}", self.seq, RunStatus.FINISHED, state.laps)


def best_lap(laps: list[tuple[int, bool]]) -> int | None:
    valid = [d for d, ok in laps if ok]
    return min(valid) if valid else None


def best_average(laps: list[tuple[int, bool]], n: int) -> float | None:
    windows = [
        sum(d for d, _ in laps[i : i + n]) / n
        for i in range(len(laps) - n + 1)
        if all(ok for _, ok in laps[i : i + n])
    ]
    return min(windows) if windows else None


def laps_of(run: RunLaps) -> list[tuple[int, bool]]:
    return [(lap.duration_ns, lap.valid) for lap in run.laps]


def ranked_by(values: Mapping[str, float | None]) -> list[str]:
    """Racers with a value, smallest first."""
    known = {r: v for r, v in values.items() if v is not None}
    return sorted(known, key=known.__getitem__)


@pytest.fixture(scope="module")
def plan() -> EventPlan:
    return load_settings(CHAMPIONSHIP).event_plan()


def test_the_example_describes_the_2023_format(plan: EventPlan) -> None:
    kinds = [(spec.name, spec.kind) for spec in plan.rounds]
    assert kinds == [
        ("Round 1 (virtual)", RoundKind.EXTERNAL),
        ("Wildcard", RoundKind.TIMED),
        ("Round of 32", RoundKind.TIMED),
        ("Final 8", RoundKind.BRACKET),
        ("Final shootout", RoundKind.SHOOTOUT),
    ]
    wildcard, r32, final8, shootout = plan.rounds[1:]
    assert wildcard.run_config.time_limit_ns == 120 * S and wildcard.runs_per_racer == 1
    assert (wildcard.advancement.kind, wildcard.advancement.count) == ("wildcard", 2)
    assert (r32.format.kind, r32.format.laps) == ("average", 3)
    assert (r32.advancement.kind, r32.advancement.count) == ("top", 8)
    assert final8.bracket is not None
    assert (final8.bracket.kind, final8.bracket.stop_at) == ("double", 3)
    assert (final8.bracket.match.attempts, final8.format.kind) == (2, "fastest_lap")
    assert shootout.format.kind == "single_lap"
    assert len(plan.rounds[0].advancement.fixed) == 30


def play_wildcard(plan: EventPlan, track: Track, outcomes: dict[str, Qualification]) -> None:
    spec = plan.round("Wildcard")
    assert entrants(plan, spec.name, outcomes) is None  # open: anyone may queue
    # two pre-qualified racers race the wildcard too, and are the fastest there
    field_ids = ["q05", "q17"] + [f"w{i:02d}" for i in range(1, 13)]
    runs: dict[str, RunLaps] = {}
    for racer in field_ids:
        check_may_run(spec, racer, 0, None)
        runs[racer] = track.run(racer, spec.run_config)
        with pytest.raises(RuleViolation, match="1 of 1 runs"):
            check_may_run(spec, racer, 1, None)
    standings = leaderboard(spec.format, [RacerRuns(r, r, (runs[r],)) for r in field_ids])
    elsewhere = already_qualified(plan, spec.name, outcomes)
    assert elsewhere == set(outcomes["Round 1 (virtual)"].advanced)
    result = advance(
        spec.advancement, standings, qualified_elsewhere=elsewhere, round_name=spec.name
    )
    expected = [
        r
        for r in ranked_by({r: best_lap(laps_of(runs[r])) for r in field_ids})
        if r not in elsewhere
    ][:2]
    assert list(result.advanced) == expected
    outcomes[spec.name] = result


def play_round_of_32(plan: EventPlan, track: Track, outcomes: dict[str, Qualification]) -> None:
    spec = plan.round("Round of 32")
    field_ids = entrants(plan, spec.name, outcomes)
    assert field_ids is not None and len(field_ids) == 32
    assert field_ids[30:] == outcomes["Wildcard"].advanced
    with pytest.raises(RuleViolation, match="did not qualify"):
        check_may_run(spec, "w99", 0, field_ids)
    runs = {r: track.run(r, spec.run_config) for r in field_ids}
    standings = leaderboard(spec.format, [RacerRuns(r, r, (runs[r],)) for r in field_ids])
    result = advance(spec.advancement, standings, round_name=spec.name)
    averages = {r: best_average(laps_of(runs[r]), spec.format.laps) for r in field_ids}
    assert list(result.advanced) == ranked_by(averages)[:8]
    outcomes[spec.name] = result


def play_final_8(plan: EventPlan, track: Track, outcomes: dict[str, Qualification]) -> BracketLog:
    spec = plan.round("Final 8")
    seeded = entrants(plan, spec.name, outcomes)
    assert seeded == outcomes["Round of 32"].advanced  # seeds follow the round of 32
    assert spec.bracket is not None
    rules = spec.bracket.match
    log = open_bracket(spec, seeded)
    state = bracket_state(log)
    while state.next_up:
        match = state.match(state.next_up[0])
        sides = []
        for racer in match.racers:
            attempts = track.rng.choice([1, 2, 2])
            no_show = track.rng.random() < 0.03
            runs = (
                () if no_show else tuple(track.run(racer, spec.run_config) for _ in range(attempts))
            )
            sides.append(MatchSide(racer, log.seed_of(racer), runs, no_show))
        decision = decide_match(rules, sides[0], sides[1])
        assert decision.winner_id == expected_winner(sides[0], sides[1])
        log = apply_decision(log, match.match_id, decision)
        state = bracket_state(log)
        for racer, losses in state.losses:  # every step: nobody survives two losses
            out = racer in {r for r, _ in state.eliminated}
            assert losses <= 2 and (losses == 2) == out
    assert state.finished and len(state.remaining) == 3
    assert state.match("W3-1").status is MatchStatus.NOT_NEEDED
    assert sorted(dict(state.losses)[r] for r in state.remaining) in ([0, 0, 1], [0, 1, 1])
    outcomes[spec.name] = bracket_qualification(spec, state)
    assert set(outcomes[spec.name].advanced) == set(state.remaining)
    return log


def expected_winner(a: MatchSide, b: MatchSide) -> str:
    """The match rule computed independently: no-show loses, better lap, tie: higher seed."""
    if a.no_show != b.no_show:
        return b.racer_id if a.no_show else a.racer_id

    def key(side: MatchSide) -> tuple[int, int]:
        laps = sorted(d for run in side.runs for d, ok in laps_of(run) if ok)
        if side.no_show or not laps:
            return (1 << 62, side.seed)
        return (laps[0], laps[1] if len(laps) > 1 else 1 << 62)

    ka, kb = key(a), key(b)
    if ka == kb:
        return a.racer_id if a.seed < b.seed else b.racer_id
    return a.racer_id if ka < kb else b.racer_id


def play_shootout(
    plan: EventPlan, track: Track, outcomes: dict[str, Qualification], final_8: BracketLog
) -> None:
    spec = plan.round("Final shootout")
    finalists = entrants(plan, spec.name, outcomes)
    order = running_order(bracket_state(final_8))
    assert finalists is not None and set(order) == set(finalists)
    assert order[-1] == finalists[0]  # the best bracket place runs last
    runs: dict[str, list[RunLaps]] = {}
    while (racer := next_runner(order, runs)) is not None:
        runs[racer] = [track.run(racer, spec.run_config, max_laps=2)]
    places = shootout_places(order, runs)
    firsts = {
        r: runs[r][0].laps[0].duration_ns if runs[r][0].laps[0].valid else None for r in order
    }
    expected = ranked_by(firsts)
    expected += [r for r in reversed(order) if firsts[r] is None]
    assert [p.racer_id for p in places] == expected
    assert [p.place for p in places] == [1, 2, 3]
    outcomes[spec.name] = shootout_qualification(spec, places)


@pytest.mark.parametrize("seed", [2023, 7, 11])
def test_the_championship_plays_end_to_end(plan: EventPlan, seed: int) -> None:
    rng = random.Random(seed)
    racers = [f"q{i:02d}" for i in range(1, 31)] + [f"w{i:02d}" for i in range(1, 13)]
    skill = {r: rng.randint(7_600, 9_400) for r in racers}
    skill["q05"] = skill["q17"] = 7_000  # pre-qualified racers fastest in the wildcard
    track = Track(rng, skill)
    outcomes: dict[str, Qualification] = {}
    r1 = plan.round("Round 1 (virtual)")
    outcomes[r1.name] = advance(r1.advancement, (), round_name=r1.name)
    assert len(outcomes[r1.name].advanced) == 30
    play_wildcard(plan, track, outcomes)
    assert not {"q05", "q17"} & set(outcomes["Wildcard"].advanced)
    play_round_of_32(plan, track, outcomes)
    final_8 = play_final_8(plan, track, outcomes)
    play_shootout(plan, track, outcomes, final_8)
    podium = outcomes["Final shootout"].advanced
    assert len(podium) == 3 and set(podium) == set(outcomes["Final 8"].advanced)


def test_round_specs_are_what_the_settings_say(plan: EventPlan) -> None:
    spec: RoundSpec = plan.round("Round of 32")
    assert spec.entry_from == ("Round 1 (virtual)", "Wildcard")
    assert spec.run_config.max_resets_per_lap == 3
