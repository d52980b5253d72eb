"""Model cards on the live core: submitted for a racer, attached to the runs raced with them.

A card is found by racer and model name (without case). When a racer is staged with a
model name that has a card, the run keeps a copy of the card in its `model_meta` (with the
card's id): the run shows the model it raced with even if the card is replaced later, and
the card travels to the central league with the run, under the run's ownership.

Who a card belongs to follows the queue's "same person?" rule (`racers.racer_to_queue`): a
phone hands in a card only for the racer of its own join, which staff settled
(`board.web.join`); a card submitted by name (`model_submit`, `lapgate model submit`) goes
to a known racer of that name only with `same_racer` (or their `racer_id`), to a new racer
of that name with `new_racer`, and without either `NeedsAnswer` asks, listing the matches.
"""

from __future__ import annotations

from typing import Any

from lapgate.board.domain import ModelCardRecord, Racer, new_id
from lapgate.board.live import racers
from lapgate.board.live.race import NeedsAnswer, NotFound, Race, clean_alias
from lapgate.board.live.state import RaceState
from lapgate.board.model_cards import ModelCard, read_card
from lapgate.board.wallclock import utc_now
from lapgate.timer.errors import RuleViolation


def load(race: Race) -> None:
    race.cards = {(c.racer_id, c.name.casefold()): c for c in race.store.list_model_cards()}


def racer_named(
    race: Race,
    racer_id: str | None,
    alias: str | None,
    *,
    same_racer: bool = False,
    new_racer: bool = False,
) -> Racer:
    """The racer by id, or by alias as staff answer "same person?" (see the module doc):
    a new racer for a new alias; a known alias needs `same_racer` or `new_racer`."""
    if racer_id:
        return race.racer(racer_id)
    if not (alias or "").strip():
        raise NotFound("racer: got nothing, expected racer_id or alias")
    if same_racer and new_racer:
        raise RuleViolation("model card: got same_racer and new_racer both true, expected one")
    cleaned = clean_alias(alias)
    matches = race.racers_named(cleaned)
    if not matches or new_racer:
        return race.new_racer(cleaned)
    if same_racer and len(matches) == 1:
        return matches[0]
    names = racers.names_with_runs(race, matches)
    if same_racer:
        raise NeedsAnswer(
            "model card: {count} racers are named {alias!r} ({names}); "
            "expected racer_id to say which one",
            racers.question(race, matches),
            count=len(matches),
            alias=cleaned,
            names=names,
        )
    raise NeedsAnswer(
        "model card: {alias!r} is the name of a known racer: {names}. Same person? Send "
        "same_racer: true (or their racer_id) to give them the card, or new_racer: true for "
        "another person with that name",
        racers.question(race, matches),
        alias=cleaned,
        names=names,
    )


def submit_by_name(
    race: Race,
    racer_id: str | None,
    alias: str | None,
    name: str,
    files: dict[str, bytes],
    *,
    same_racer: bool = False,
    new_racer: bool = False,
) -> ModelCardRecord:
    """`submit` for the racer `racer_named` finds; the files are checked first, so a bad
    card makes no racer."""
    read_card(name, files)  # ModelCardError names the file, field and value
    racer = racer_named(race, racer_id, alias, same_racer=same_racer, new_racer=new_racer)
    return submit(race, racer, name, files)


def submit(race: Race, racer: Racer, name: str, files: dict[str, bytes]) -> ModelCardRecord:
    """Check `files` and store them as `racer`'s card `name` (replacing one of that name)."""
    card = read_card(name, files)  # ModelCardError names the file, field and value
    key = (racer.racer_id, card.name.casefold())
    earlier = race.cards.get(key)
    record = ModelCardRecord(
        earlier.card_id if earlier else new_id(),
        racer.racer_id,
        card.name,
        card.document(),
        utc_now(),
    )
    race.store.save_model_card(record)
    race.cards[key] = record
    race.derived.clear()
    for track in race.tracks.values():
        race.changed(track, "model card")
    return record


def card_for(race: RaceState, racer_id: str, model_name: str) -> ModelCardRecord | None:
    if not model_name:
        return None
    return race.cards.get((racer_id, model_name.strip().casefold()))


def run_meta(race: RaceState, racer_id: str, model_name: str) -> dict[str, Any]:
    """What a run staged with `model_name` keeps of its card ({} when it has none)."""
    card = card_for(race, racer_id, model_name)
    return {"card_id": card.card_id, "card": card.document} if card else {}


def by_id(race: Race, card_id: str) -> ModelCardRecord:
    for card in race.cards.values():
        if card.card_id == card_id:
            return card
    raise NotFound("model card: got {card_id!r:.40}, expected a known card id", card_id=card_id)


def card_view(race: Race, card: ModelCardRecord) -> dict[str, Any]:
    """A card with its racer and the physical runs raced with it (the card page)."""
    racer = race.racers.get(card.racer_id)
    parsed = ModelCard.from_document(card.document)
    runs = [
        r
        for r in race.runs.values()
        if r.info.racer_id == card.racer_id
        and (
            r.info.model_meta.get("card_id") == card.card_id
            or r.info.model_name.casefold() == card.name.casefold()
        )
    ]
    physical = [
        {
            "run_id": r.info.run_id,
            "round": race.rounds[r.info.round_id].name,
            "ms": lap.duration_ns // 1_000_000,
            "valid": lap.valid,
            "resets": lap.resets,
        }
        for r in runs
        for lap in r.state.laps
    ]
    best_physical = min(
        (lap.duration_ns // 1_000_000 for r in runs for lap in r.state.laps if lap.valid),
        default=None,
    )
    return {
        "card_id": card.card_id,
        "racer_id": card.racer_id,
        "racer": racer.alias if racer else "?",
        "name": card.name,
        "submitted_at": card.submitted_at.isoformat(),
        "summary": parsed.summary(),
        "action_space_type": parsed.action_space_type,
        "document": card.document,
        "best_evaluation_ms": parsed.best_evaluation_ms(),
        "best_physical_ms": best_physical,
        "physical_laps": physical,
    }


def cards_view(race: Race) -> list[dict[str, Any]]:
    names = {r.racer_id: r.alias for r in race.racers.values()}
    return [
        {
            "card_id": c.card_id,
            "racer_id": c.racer_id,
            "racer": names.get(c.racer_id, "?"),
            "name": c.name,
            "summary": c.document.get("summary", ""),
        }
        for c in sorted(race.cards.values(), key=lambda c: (names.get(c.racer_id, ""), c.name))
    ]
