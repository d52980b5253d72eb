"""What leaves the live core: one typed message per change, numbered and pushed by the host.

The core appends these to `LiveRace.outbox` after the change is stored; the engine host
numbers them (`seq`) and `board.live.views.message_view` renders each one for the wire
(``{"seq", "type", ...}``). A message names what changed; the view reads the current
state, so a client always draws what is stored now.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lapgate.timer.events import RunEvent


@dataclass(frozen=True, slots=True)
class TrackChanged:
    """A track's run, queue or round changed (`why`: run / queue / round)."""

    track_id: str
    why: str
    event_id: int | None = None  # the run event just recorded (why == "run")
    event: RunEvent | None = None
    highlights: tuple[str, ...] = ()  # personal_best, new_leader


@dataclass(frozen=True, slots=True)
class ProgramChanged:
    """A round of the program was opened, closed, reopened or its entrants changed."""

    round_id: str
    why: str  # opened / closed / reopened / entrants / advancers


@dataclass(frozen=True, slots=True)
class BracketChanged:
    bracket_id: str


@dataclass(frozen=True, slots=True)
class GateChanged:
    gate_id: str


@dataclass(frozen=True, slots=True)
class Notice:
    """Something staff should see at once (a crossing with no run, a car off track)."""

    kind: str
    text: str
    gate_id: str = ""
    # `text` as a code with its values, for pages that word it in their own language
    code: str = ""
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SettingsChanged:
    """Screen settings changed (`keys`: speak_laps, sounds); the view sends them all."""

    keys: tuple[str, ...] = field(default=("speak_laps",))


Message = TrackChanged | ProgramChanged | BracketChanged | GateChanged | Notice | SettingsChanged
