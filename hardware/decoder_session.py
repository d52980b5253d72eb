"""A decoder race session kept on disk, so a restarted daemon resumes it instead of
restarting the decoder's clock.

A transponder decoder keeps its race's passings and re-sends them when a host connects.
After `lapgate run` restarts mid-race (a crash, `systemctl restart`, an upgrade), sending
the race start (``%I&``) again would zero the decoder's clock and throw those passings
away. Instead the adapter reads this file: when it belongs to the same boot of the host
(instants are monotonic ns, comparable within one boot only), the race goes on: no race
start is sent, the decoder clock keeps its offset, and re-sent passings up to the newest
one seen per transponder are dropped as duplicates, as after a replug.

Written atomically (a temporary file renamed over the old one) at the race start and after
each passing; a few hundred bytes.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DecoderSession:
    """What a decoder race needs to survive a daemon restart on the same boot."""

    boot_id: str
    race_start_ns: int
    anchor_ns: int | None = None  # the decoder → host offset passings were placed with
    newest_ms: dict[str, int] = field(default_factory=dict)  # transponder → decoder ms

    def to_json(self) -> str:
        return json.dumps(
            {
                "boot_id": self.boot_id,
                "race_start_ns": self.race_start_ns,
                "anchor_ns": self.anchor_ns,
                "newest_ms": self.newest_ms,
            }
        )


def load_session(path: Path, boot_id: str) -> DecoderSession | None:
    """The stored session when it is of boot `boot_id`; None (and why, logged) otherwise."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        session = DecoderSession(
            str(data["boot_id"]),
            int(data["race_start_ns"]),
            None if data.get("anchor_ns") is None else int(data["anchor_ns"]),
            {str(k): int(v) for k, v in dict(data.get("newest_ms", {})).items()},
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        log.warning("decoder session %s unreadable (%s): a new race is started", path, exc)
        return None
    if not boot_id or session.boot_id != boot_id:
        log.info("decoder session %s is from another boot: a new race is started", path)
        return None
    return session


def save_session(path: Path, session: DecoderSession) -> None:
    """Replace the stored session atomically; a failure is logged (timing goes on)."""
    temporary = path.with_suffix(".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(session.to_json(), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        log.warning("decoder session %s not saved: %s", path, exc)
