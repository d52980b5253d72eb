"""A bracket as the board holds and stores it: its log, rules, staging and revision.

`LiveBracket.to_payload` is the JSON document `RaceStore.save_bracket` keeps (the log by
`timer.bracket_codec`, no pickles); `bracket_from_payload` rebuilds it on start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lapgate.timer.bracket_codec import bracket_log_from_dict, bracket_log_to_dict
from lapgate.timer.bracket_match import MatchRules, TiePolicy
from lapgate.timer.brackets import BracketLog, BracketState, bracket_state
from lapgate.timer.errors import RuleViolation
from lapgate.timer.formats import Format, FormatKind
from lapgate.timer.rounds import BracketRules

if TYPE_CHECKING:
    from lapgate.board.store.api import RaceStore

log = logging.getLogger(__name__)

Payload = dict[str, Any]
DOCUMENT_VERSION = 1


@dataclass(slots=True)
class Staged:
    """The match on the queue: runs of its racers after run seq `after_seq` count."""

    match_id: str
    after_seq: int
    entry_ids: list[str]


@dataclass(slots=True)
class LiveBracket:
    """One bracket as the service holds it: its log, the state folded from it, staging."""

    bracket_id: str
    round_id: str
    track_id: str
    name: str
    source_round_id: str | None
    rules: BracketRules
    log: BracketLog
    state: BracketState
    staged: Staged | None = None
    match_runs: dict[str, list[str]] = field(default_factory=dict)  # match → runs decided on
    rev: int = 0  # bumped on every change; clients keep the newest view

    def to_payload(self) -> Payload:
        match = self.rules.match
        return {
            "version": DOCUMENT_VERSION,
            "name": self.name,
            "track_id": self.track_id,
            "source_round_id": self.source_round_id,
            "match": {
                "format": str(match.format.kind),
                "format_laps": match.format.laps,
                "attempts": match.attempts,
                "tie": str(match.tie),
            },
            "log": bracket_log_to_dict(self.log),
            "staged": None
            if self.staged is None
            else {
                "match_id": self.staged.match_id,
                "after_seq": self.staged.after_seq,
                "entry_ids": list(self.staged.entry_ids),
            },
            "match_runs": {k: list(v) for k, v in self.match_runs.items()},
            "rev": self.rev,
        }


def bracket_from_payload(bracket_id: str, round_id: str, data: Payload) -> LiveBracket:
    """Rebuild a bracket from its stored document (RuleViolation names what is wrong)."""
    try:
        match = data["match"]
        fmt = Format(FormatKind(match["format"]), int(match["format_laps"]))
        rules_match = MatchRules(fmt, int(match["attempts"]), TiePolicy(match["tie"]))
        log = bracket_log_from_dict(data["log"])
        staged_data = data.get("staged")
        staged = (
            None
            if staged_data is None
            else Staged(
                str(staged_data["match_id"]),
                int(staged_data["after_seq"]),
                [str(e) for e in staged_data["entry_ids"]],
            )
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, RuleViolation):
            raise
        raise RuleViolation(
            "bracket {bracket_id}: stored document is damaged: {exc!r}",
            bracket_id=bracket_id,
            exc=exc,
        ) from None
    layout = log.layout
    rules = BracketRules(layout.kind, layout.stop_at, layout.grand_final_reset, rules_match)
    return LiveBracket(
        bracket_id,
        round_id,
        str(data.get("track_id", "")),
        str(data.get("name", "Bracket")),
        data.get("source_round_id"),
        rules,
        log,
        bracket_state(log),
        staged,
        {str(k): [str(r) for r in v] for k, v in dict(data.get("match_runs", {})).items()},
        int(data.get("rev", 0)),
    )


def load_brackets(store: RaceStore, round_ids: Collection[str]) -> list[LiveBracket]:
    """The stored brackets of the rounds `round_ids`; a damaged document is logged and left
    out (the board must come up on race day, and the results still export)."""
    found = []
    for record in store.load_brackets():
        if record.round_id not in round_ids:
            continue
        try:
            found.append(bracket_from_payload(record.bracket_id, record.round_id, record.payload))
        except RuleViolation:
            log.exception("bracket %s not loaded", record.bracket_id)
    return found
