"""The shape of a head-to-head bracket: which match feeds which, before anyone races.

A bracket of `size` racers is laid out on the next power of two, `P`. Seeds above `size`
are byes; standard seeding pairs seed s with seed P+1−s in the first round, so the byes go
to the top seeds (1, 2, … P−size).

- Single elimination: winners rounds W1 … Wk (k = log2 P); a loss eliminates.
- Double elimination: the same "undefeated" (winners) bracket plus a "last chance"
  (losers) bracket L1 … L(2k−2). L1 pairs the W1 losers; each even round L(2m) drops the
  losers of W(m+1) in against the survivors of L(2m−1); odd rounds pair survivors. A loser
  drops into the same half of the last-chance bracket as the winners-bracket match it lost,
  in reverse order inside that half (this avoids immediate rematches where the half has
  room), so seeds 1 and 2 can meet only in the final stage: the undefeated final, the last
  two last-chance rounds, and the grand final. The grand final (GF1) pits the undefeated
  champion against the last-chance champion; with `grand_final_reset` a second grand
  final (GF2) is raced when the last-chance champion wins GF1, so that everyone but the
  champion is eliminated after exactly two losses.

A match source is a seed, the winner of a match or the loser of a match. Matches are
identified by ids such as ``W1-3`` (winners round 1, match 3), ``L2-1``, ``GF1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lapgate.timer.errors import RuleViolation

MAX_BRACKET_SIZE = 256


class BracketKind(StrEnum):
    SINGLE = "single"
    DOUBLE = "double"


class Side(StrEnum):
    """Which bracket a match belongs to."""

    WINNERS = "winners"  # the "undefeated" bracket
    LOSERS = "losers"  # the "last chance" bracket
    GRAND_FINAL = "grand_final"


SIDE_ORDER = {Side.WINNERS: 0, Side.LOSERS: 1, Side.GRAND_FINAL: 2}


@dataclass(frozen=True, slots=True)
class Seed:
    seed: int


@dataclass(frozen=True, slots=True)
class WinnerOf:
    match_id: str


@dataclass(frozen=True, slots=True)
class LoserOf:
    match_id: str


Source = Seed | WinnerOf | LoserOf


def source_label(source: Source) -> str:
    """How a board shows where a match slot's racer comes from."""
    if isinstance(source, Seed):
        return f"seed {source.seed}"
    if isinstance(source, WinnerOf):
        return f"winner of {source.match_id}"
    return f"loser of {source.match_id}"


def source_parts(source: Source) -> dict[str, str | int]:
    """`source_label`'s parts, for pages that word it in their own language."""
    if isinstance(source, Seed):
        return {"kind": "seed", "seed": source.seed}
    kind = "winner" if isinstance(source, WinnerOf) else "loser"
    return {"kind": kind, "match": source.match_id}


@dataclass(frozen=True, slots=True)
class MatchSlot:
    """One match of the layout. `wave`: the earliest round of play it can be raced in."""

    match_id: str
    side: Side
    round: int  # round number within its side (1-based)
    index: int  # match number within its round (1-based)
    top: Source
    bottom: Source
    wave: int
    final_stage: bool
    loser_to: str | None  # where the loser goes; None: the loser is eliminated
    reset: bool = False  # GF2: raced only if the last-chance champion wins GF1


@dataclass(frozen=True, slots=True)
class BracketLayout:
    """A bracket's matches in a stable order (wave, side, round, index)."""

    kind: BracketKind
    size: int
    stop_at: int
    grand_final_reset: bool
    slots: tuple[MatchSlot, ...]

    @property
    def padded_size(self) -> int:
        return _next_power_of_two(self.size)

    def slot(self, match_id: str) -> MatchSlot:
        for slot in self.slots:
            if slot.match_id == match_id:
                return slot
        ids = ", ".join(s.match_id for s in self.slots[:6])
        raise RuleViolation(
            "match id: got {match_id!r}, expected one of {ids}, …", match_id=match_id, ids=ids
        )


def _next_power_of_two(n: int) -> int:
    power = 1
    while power < n:
        power *= 2
    return power


def standard_seed_order(padded_size: int) -> tuple[int, ...]:
    """Seeds in bracket line order: 1, P, …; adjacent pairs meet in round 1 (1 v P, …)."""
    order = [1]
    while len(order) < padded_size:
        width = 2 * len(order)
        order = [seed for s in order for seed in (s, width + 1 - s)]
    return tuple(order)


def _drop_in_index(i: int, count: int) -> int:
    """Which winners-bracket match's loser drops into last-chance match `i` of `count`."""
    if count == 1:
        return 1
    half = count // 2
    if i <= half:
        return half + 1 - i
    return count + half + 1 - i


def build_layout(
    size: int,
    kind: BracketKind = BracketKind.SINGLE,
    stop_at: int = 1,
    grand_final_reset: bool = False,
) -> BracketLayout:
    """The layout of a bracket of `size` racers that stops when `stop_at` remain."""
    if not 2 <= size <= MAX_BRACKET_SIZE:
        raise RuleViolation(
            "bracket size: got {size}, expected 2–{max_size} racers",
            size=size,
            max_size=MAX_BRACKET_SIZE,
        )
    if not 1 <= stop_at <= size:
        raise RuleViolation(
            "bracket stop_at: got {stop_at}, expected 1–{size} racers", stop_at=stop_at, size=size
        )
    padded = _next_power_of_two(size)
    rounds = padded.bit_length() - 1
    raw = _winners(padded, rounds, kind)
    if kind is BracketKind.DOUBLE:
        raw += _losers(padded, rounds)
        raw += _grand_finals(rounds, grand_final_reset)
    slots = _with_waves(raw)
    ordered = sorted(slots, key=lambda s: (s.wave, SIDE_ORDER[s.side], s.round, s.index))
    return BracketLayout(kind, size, stop_at, grand_final_reset, tuple(ordered))


@dataclass(frozen=True, slots=True)
class _Raw:
    match_id: str
    side: Side
    round: int
    index: int
    top: Source
    bottom: Source
    final_stage: bool
    loser_to: str | None
    reset: bool = False


def _winners(padded: int, rounds: int, kind: BracketKind) -> list[_Raw]:
    order = standard_seed_order(padded)
    double = kind is BracketKind.DOUBLE
    raws: list[_Raw] = []
    for r in range(1, rounds + 1):
        for i in range(1, padded // 2**r + 1):
            top: Source
            bottom: Source
            if r == 1:
                top, bottom = Seed(order[2 * i - 2]), Seed(order[2 * i - 1])
            else:
                top, bottom = WinnerOf(f"W{r - 1}-{2 * i - 1}"), WinnerOf(f"W{r - 1}-{2 * i}")
            loser_to = _winners_loser_to(r, i, padded, rounds) if double else None
            raws.append(_Raw(f"W{r}-{i}", Side.WINNERS, r, i, top, bottom, r == rounds, loser_to))
    return raws


def _winners_loser_to(r: int, i: int, padded: int, rounds: int) -> str:
    if rounds == 1:
        return "GF1"
    if r == 1:
        return f"L1-{(i + 1) // 2}"
    count = padded // 2**r
    target = next(j for j in range(1, count + 1) if _drop_in_index(j, count) == i)
    return f"L{2 * r - 2}-{target}"


def _losers(padded: int, rounds: int) -> list[_Raw]:
    raws: list[_Raw] = []
    last = 2 * rounds - 2
    for j in range(1, last + 1):
        m = (j + 1) // 2
        count = padded // 2 ** (m + 1)
        for i in range(1, count + 1):
            top: Source
            bottom: Source
            if j == 1:
                top, bottom = LoserOf(f"W1-{2 * i - 1}"), LoserOf(f"W1-{2 * i}")
            elif j % 2 == 0:
                top = WinnerOf(f"L{j - 1}-{i}")
                bottom = LoserOf(f"W{m + 1}-{_drop_in_index(i, count)}")
            else:
                top, bottom = WinnerOf(f"L{j - 1}-{2 * i - 1}"), WinnerOf(f"L{j - 1}-{2 * i}")
            final = j >= last - 1
            raws.append(_Raw(f"L{j}-{i}", Side.LOSERS, j, i, top, bottom, final, None))
    return raws


def _grand_finals(rounds: int, reset: bool) -> list[_Raw]:
    top = WinnerOf(f"W{rounds}-1")
    bottom: Source = WinnerOf(f"L{2 * rounds - 2}-1") if rounds > 1 else LoserOf("W1-1")
    raws = [_Raw("GF1", Side.GRAND_FINAL, 1, 1, top, bottom, True, "GF2" if reset else None)]
    if reset:
        raws.append(_Raw("GF2", Side.GRAND_FINAL, 2, 1, top, bottom, True, None, reset=True))
    return raws


def _with_waves(raws: list[_Raw]) -> list[MatchSlot]:
    waves: dict[str, int] = {}
    slots: list[MatchSlot] = []
    for raw in raws:  # raws come in dependency order: every source is listed before use
        wave = 1 + max(_source_wave(raw.top, waves), _source_wave(raw.bottom, waves))
        if raw.reset:
            wave = waves["GF1"] + 1
        waves[raw.match_id] = wave
        slots.append(
            MatchSlot(
                raw.match_id,
                raw.side,
                raw.round,
                raw.index,
                raw.top,
                raw.bottom,
                wave,
                raw.final_stage,
                raw.loser_to,
                raw.reset,
            )
        )
    return slots


def _source_wave(source: Source, waves: dict[str, int]) -> int:
    if isinstance(source, Seed):
        return 0
    return waves[source.match_id]


def walkover_slots(layout: BracketLayout) -> set[str]:
    """Matches that are walkovers whatever the results (a bye reaches them)."""
    bye_out: dict[str, tuple[bool, bool]] = {}  # match → (winner is a bye, loser is a bye)
    walkovers: set[str] = set()

    def is_bye(source: Source) -> bool:
        if isinstance(source, Seed):
            return source.seed > layout.size
        winner_bye, loser_bye = bye_out[source.match_id]
        return winner_bye if isinstance(source, WinnerOf) else loser_bye

    for slot in layout.slots:
        top, bottom = is_bye(slot.top), is_bye(slot.bottom)
        bye_out[slot.match_id] = (top and bottom, top or bottom)
        if top or bottom:
            walkovers.add(slot.match_id)
    return walkovers


def downstream(layout: BracketLayout, match_id: str) -> set[str]:
    """`match_id` and every match whose racers depend on its result."""
    found = {match_id}
    for slot in layout.slots:  # topological order: sources come first
        sources = (slot.top, slot.bottom)
        depends = any(not isinstance(x, Seed) and x.match_id in found for x in sources)
        if depends or (slot.reset and "GF1" in found):
            found.add(slot.match_id)
    return found
