"""Leaderboard rows: a gap is the difference of the values as the board shows them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lapgate.board.live.views import standing_view
from lapgate.timer.formats import LapRef, Metric
from lapgate.timer.leaderboard import Standing


def _standing(rank: int, value_ns: int, leader_ns: int, ahead_ns: int) -> Standing:
    metric = Metric(value_ns, (LapRef("run", 1, value_ns),), 0, (1, 0))
    return Standing(
        rank, f"r{rank}", "Racer", metric, value_ns - leader_ns, value_ns - ahead_ns, 1, 1, 1
    )


@given(
    st.integers(5_000_000_000, 20_000_000_000),
    st.integers(0, 3_000_000_000),
    st.integers(0, 3_000_000_000),
)
def test_gaps_are_the_differences_of_the_shown_values(
    leader_ns: int, extra: int, more: int
) -> None:
    ahead_ns = leader_ns + extra
    value_ns = ahead_ns + more
    leader = standing_view(_standing(1, leader_ns, leader_ns, leader_ns))
    ahead = standing_view(_standing(2, ahead_ns, leader_ns, leader_ns))
    row = standing_view(_standing(3, value_ns, leader_ns, ahead_ns))
    assert row["gap_to_leader_ms"] == row["value_ms"] - leader["value_ms"]
    assert row["gap_to_ahead_ms"] == row["value_ms"] - ahead["value_ms"]


def test_the_rounding_that_made_them_differ() -> None:
    # 8.1085 s and 7.2645 s show as 8.109 and 7.265 (half up): the gap shown is +0.844
    leader = standing_view(_standing(1, 7_264_500_000, 7_264_500_000, 7_264_500_000))
    row = standing_view(_standing(2, 8_108_500_000, 7_264_500_000, 7_264_500_000))
    assert (leader["value_ms"], row["value_ms"], row["gap_to_leader_ms"]) == (7265, 8109, 844)
