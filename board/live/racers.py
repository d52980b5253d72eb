"""Racers on the live core: rename (more racer commands join here)."""

from __future__ import annotations

from dataclasses import replace

from lapgate.board.domain import Racer
from lapgate.board.live.race import Race, clean_alias
from lapgate.timer.errors import RuleViolation


def rename(race: Race, racer_id: str, alias: object) -> Racer:
    """Give a racer a new alias (a typo fixed): stored, then every screen shows it at once.

    Refused when another racer has that alias (case-insensitively): two people must not
    look like one, and one person with two racers is a merge.
    """
    racer = race.racer(racer_id)
    cleaned = clean_alias(alias)
    for other in race.racers.values():
        if other.racer_id != racer_id and other.alias.casefold() == cleaned.casefold():
            raise RuleViolation(
                f"rename: {other.alias!r} is another racer's alias; merge them if they are "
                "one person, or choose another alias"
            )
    renamed = replace(racer, alias=cleaned)
    race.store.save_racer(renamed)
    race.racers[racer_id] = renamed
    race.derived.clear()  # standings and their views hold names
    for track in race.tracks.values():
        race.changed(track, "racer")
    return renamed
