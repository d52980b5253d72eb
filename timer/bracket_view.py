"""A JSON-ready view of a bracket for the big screen, `/m` and the control page.

`bracket_view(state, names)` returns plain dicts, lists, strings, ints and bools only.
The shape (every key always present):

    {
      "kind": "single" | "double", "size": int, "stop_at": int,
      "finished": bool, "champion": racer | None, "finalists": [racer, …] (best first),
      "current_match": match id | None, "next_up": [match, …] (race order),
      "flagged": [match id, …],
      "brackets": [                                   # winners, then losers, grand final
        {"side": "winners" | "losers" | "grand_final", "title": str,
         "rounds": [{"round": int, "title": str, "matches": [match, …]}, …]}, …
      ]
    }

    match  = {"id": "W1-1", "side": str, "round": int, "index": int, "status": str,
              "top": slot, "bottom": slot, "winner": racer | None, "loser": racer | None,
              "note": str, "flag_reason": str, "flag_code": flag | None,
              "current": bool, "final_stage": bool}
    slot   = {"racer": racer | None, "bye": bool, "from": "seed 3" | "winner of W1-2" | …,
              "source": {"kind": "seed", "seed": 3} | {"kind": "winner" | "loser", "match": id}}
    flag   = {"code": "undecided" | "bye_undo" | "void_undo"} | {"code": "changed",
              "raced_winner": name, "raced_loser": name, "top": name, "bottom": name}
    racer  = {"id": str, "name": str, "seed": int, "losses": int}

Names are returned as given; the page must escape them when rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lapgate.timer.bracket_layout import Side, source_label, source_parts
from lapgate.timer.brackets import BracketState, Bye, MatchState, Occupant

SIDE_TITLES = {
    Side.WINNERS: "Undefeated bracket",
    Side.LOSERS: "Last chance bracket",
    Side.GRAND_FINAL: "Grand final",
}


def _racer(state: BracketState, names: Mapping[str, str], racer_id: str) -> dict[str, Any]:
    return {
        "id": racer_id,
        "name": names.get(racer_id, racer_id),
        "seed": state.entrants.index(racer_id) + 1,
        "losses": state.losses_of(racer_id),
    }


def _occupant(state: BracketState, names: Mapping[str, str], occupant: Occupant) -> Any:
    return _racer(state, names, occupant) if isinstance(occupant, str) else None


def _match(
    state: BracketState, names: Mapping[str, str], match: MatchState, current: str | None
) -> dict[str, Any]:
    slot = match.slot
    return {
        "id": match.match_id,
        "side": str(slot.side),
        "round": slot.round,
        "index": slot.index,
        "status": str(match.status),
        "top": {
            "racer": _occupant(state, names, match.top),
            "bye": isinstance(match.top, Bye),
            "from": source_label(slot.top),
            "source": source_parts(slot.top),
        },
        "bottom": {
            "racer": _occupant(state, names, match.bottom),
            "bye": isinstance(match.bottom, Bye),
            "from": source_label(slot.bottom),
            "source": source_parts(slot.bottom),
        },
        "winner": _occupant(state, names, match.winner),
        "loser": _occupant(state, names, match.loser),
        "note": match.note,
        "flag_reason": match.flag_reason,
        "flag_code": _flag_code(names, match),
        "current": match.match_id == current,
        "final_stage": slot.final_stage,
    }


def _flag_code(names: Mapping[str, str], match: MatchState) -> dict[str, str] | None:
    """`flag_reason` as its code and values (racers by name), or None when not flagged."""
    code, params = match.flag_code
    if not code:
        return None
    return {"code": code, **{key: names.get(racer, racer) for key, racer in params}}


def round_title(side: Side, round_number: int, rounds_in_side: int) -> str:
    """A human name for a round ("Final", "Semi-finals", "Round 1", "GF reset")."""
    if side is Side.GRAND_FINAL:
        return "Grand final" if round_number == 1 else "Grand final reset"
    from_end = rounds_in_side - round_number
    if side is Side.WINNERS:
        names = {0: "Final", 1: "Semi-finals", 2: "Quarter-finals"}
        return names.get(from_end, f"Round {round_number}")
    return "Last chance final" if from_end == 0 else f"Last chance round {round_number}"


def bracket_view(
    state: BracketState, names: Mapping[str, str] | None = None, current: str | None = None
) -> dict[str, Any]:
    """The view model described in the module docstring.

    `names` maps racer ids to display names; `current` overrides the current match (the
    one staff staged), which otherwise is the first of `next_up`.
    """
    names = names or {}
    current = current or state.current_match
    brackets: list[dict[str, Any]] = []
    for side in Side:
        matches = [m for m in state.matches if m.slot.side is side]
        if not matches:
            continue
        count = max(m.slot.round for m in matches)
        rounds = []
        for number in range(1, count + 1):
            in_round = sorted(
                (m for m in matches if m.slot.round == number), key=lambda m: m.slot.index
            )
            rounds.append(
                {
                    "round": number,
                    "title": round_title(side, number, count),
                    "matches": [_match(state, names, m, current) for m in in_round],
                }
            )
        brackets.append({"side": str(side), "title": SIDE_TITLES[side], "rounds": rounds})
    finalists = state.ranking()[: len(state.remaining)] if state.finished else ()
    return {
        "kind": str(state.layout.kind),
        "size": state.layout.size,
        "stop_at": state.layout.stop_at,
        "finished": state.finished,
        "champion": _occupant(state, names, state.champion),
        "finalists": [_racer(state, names, r) for r in finalists],
        "current_match": current,
        "next_up": [_match(state, names, state.match(m), current) for m in state.next_up],
        "flagged": list(state.flagged),
        "brackets": brackets,
    }
