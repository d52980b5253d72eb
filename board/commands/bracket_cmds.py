"""`lapgate bracket simulate`: preview a bracket format with random results."""

from __future__ import annotations

import json
import random
from typing import Any

import click

from lapgate.board.i18n import cli_gettext as _
from lapgate.timer.bracket_layout import BracketKind, build_layout
from lapgate.timer.brackets import (
    BracketLog,
    BracketState,
    MatchState,
    MatchStatus,
    bracket_state,
    new_bracket,
    record_result,
)


def simulate(
    size: int,
    kind: BracketKind,
    stop_at: int,
    seed: int | None,
    grand_final_reset: bool = False,
) -> dict[str, Any]:
    """Play a bracket of `size` seeds with coin-flip results; every match in order."""
    rng = random.Random(seed)
    layout = build_layout(size, kind, stop_at, grand_final_reset)
    log: BracketLog = new_bracket(layout, tuple(str(s) for s in range(1, size + 1)))
    state = bracket_state(log)
    played: list[dict[str, Any]] = [
        _row(m) for m in state.matches if m.status is MatchStatus.WALKOVER
    ]
    while state.next_up:
        match = state.match(state.next_up[0])
        log = record_result(log, match.match_id, rng.choice(match.racers), state=state)
        state = bracket_state(log)
        played.append(_row(state.match(match.match_id)))
        played.extend(_new_walkovers(state, played))
    return {
        "size": size,
        "kind": str(kind),
        "stop_at": stop_at,
        "grand_final_reset": grand_final_reset,
        "seed": seed,
        "matches": [dict(row, order=i) for i, row in enumerate(played, start=1)],
        "remaining": [int(r) for r in state.ranking()[: len(state.remaining)]],
        "champion": int(state.champion) if state.champion else None,
    }


def _seed(occupant: object) -> int | str | None:
    if isinstance(occupant, str):
        return int(occupant)
    return None if occupant is None else "bye"


def _row(match: MatchState) -> dict[str, Any]:
    slot = match.slot
    return {
        "match": match.match_id,
        "bracket": str(slot.side),
        "round": slot.round,
        "top": _seed(match.top),
        "bottom": _seed(match.bottom),
        "winner": _seed(match.winner),
        "loser": _seed(match.loser),
        "walkover": match.status is MatchStatus.WALKOVER,
    }


def _new_walkovers(state: BracketState, played: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shown = {row["match"] for row in played}
    return [
        _row(m)
        for m in state.matches
        if m.status is MatchStatus.WALKOVER and m.match_id not in shown
    ]


def _seed_text(seed: int | str | None) -> str:
    return _("bye") if seed == "bye" else _("seed {seed}").format(seed=seed)


def _match_line(row: dict[str, Any]) -> str:
    sides = {"winners": _("winners"), "losers": _("losers"), "grand_final": _("grand final")}
    side = sides.get(row["bracket"], row["bracket"]).ljust(max(map(len, sides.values())))
    outcome = (
        _("seed {winner} advances (bye)").format(winner=row["winner"])
        if row["walkover"]
        else _("seed {winner} beats seed {loser}").format(winner=row["winner"], loser=row["loser"])
    )
    return f"{row['order']:3d}. {row['match']:6s} {side} " + _(
        "round {round}: {top} v {bottom}: {outcome}"
    ).format(
        round=row["round"],
        top=_seed_text(row["top"]),
        bottom=_seed_text(row["bottom"]),
        outcome=outcome,
    )


def _text(result: dict[str, Any]) -> str:
    """The simulation for a person, in the CLI's language (`--json` is the machine's)."""
    heading = {
        "single": _("single elimination, {size} racers, stop at {stop_at}"),
        "double": _("double elimination, {size} racers, stop at {stop_at}"),
    }[result["kind"]]
    lines = [heading.format(size=result["size"], stop_at=result["stop_at"])]
    lines.extend(_match_line(row) for row in result["matches"])
    if result["champion"]:
        lines.append(_("champion: seed {seed}").format(seed=result["champion"]))
    remaining = ", ".join(_seed_text(seed) for seed in result["remaining"])
    lines.append(_("remaining: {seeds}").format(seeds=remaining))
    return "\n".join(lines)


@click.group("bracket", help=_("Head-to-head brackets."))
def bracket() -> None:
    pass


@bracket.command(
    "simulate", help=_("Play a bracket with random results and print every match in order.")
)
@click.option(
    "--size", type=click.IntRange(2, 256), required=True, help=_("Racers in the bracket.")
)
@click.option(
    "--kind",
    type=click.Choice([k.value for k in BracketKind]),
    default="double",
    show_default=True,
    help=_("Single or double elimination."),
)
@click.option(
    "--stop-at",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help=_("Stop when this many racers remain (hand them to a final round)."),
)
@click.option("--seed", type=int, default=None, help=_("Random seed, for a repeatable preview."))
@click.option("--reset/--no-reset", default=False, help=_("Grand-final reset (double only)."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON instead of text."))
def simulate_cmd(
    size: int, kind: str, stop_at: int, seed: int | None, reset: bool, as_json: bool
) -> None:
    if stop_at > size:
        raise click.BadParameter(
            _("got {stop_at}, expected at most --size {size}").format(stop_at=stop_at, size=size),
            param_hint="--stop-at",
        )
    result = simulate(size, BracketKind(kind), stop_at, seed, reset)
    click.echo(json.dumps(result, indent=2) if as_json else _text(result))


def register(group: click.Group) -> None:
    group.add_command(bracket)
