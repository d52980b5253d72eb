"""`lapgate bracket simulate`: every match in order, repeatable with a seed."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lapgate.board.cli import cli


def simulate(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["bracket", "simulate", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize(
    ("size", "kind", "stop_at"),
    [(8, "double", 3), (13, "single", 1), (32, "double", 1), (2, "single", 1)],
)
def test_simulate_prints_every_match_and_ends_with_k_racers(
    size: int, kind: str, stop_at: int
) -> None:
    out = simulate(
        "--size", str(size), "--kind", kind, "--stop-at", str(stop_at), "--seed", "5", "--json"
    )
    assert out["size"] == size and out["kind"] == kind
    assert len(out["remaining"]) == stop_at
    assert (out["champion"] is not None) == (stop_at == 1)
    losses = {seed: 0 for seed in range(1, size + 1)}
    for order, row in enumerate(out["matches"], start=1):
        assert row["order"] == order
        assert row["bracket"] in {"winners", "losers", "grand_final"}
        if row["walkover"]:
            assert "bye" in (row["top"], row["bottom"])
            continue
        assert {row["winner"], row["loser"]} == {row["top"], row["bottom"]}
        losses[row["loser"]] += 1
    most = 1 if kind == "single" else 2
    out_by_losses = {s for s, n in losses.items() if n >= most}
    assert not out_by_losses & set(out["remaining"])
    # without a grand-final reset, an undefeated champion losing the grand final is out
    assert size - stop_at - 1 <= len(out_by_losses) <= size - stop_at
    byes = [
        row
        for row in out["matches"]
        if row["walkover"] and row["round"] == 1 and row["bracket"] == "winners"
    ]
    padded = 1 << (size - 1).bit_length()
    assert sorted(row["winner"] for row in byes) == list(range(1, padded - size + 1))


def test_a_seed_makes_the_preview_repeatable_and_text_is_readable() -> None:
    args = ("--size", "8", "--kind", "double", "--stop-at", "3", "--seed", "9", "--json")
    assert simulate(*args) == simulate(*args)
    text = CliRunner().invoke(cli, ["bracket", "simulate", "--size", "6", "--seed", "1"])
    assert text.exit_code == 0
    assert "seed 1 v bye: seed 1 advances (bye)" in text.output
    assert "champion: seed" in text.output


def test_stop_at_above_the_size_is_refused() -> None:
    result = CliRunner().invoke(cli, ["bracket", "simulate", "--size", "4", "--stop-at", "5"])
    assert result.exit_code != 0
    assert "got 5, expected at most --size 4" in result.output
