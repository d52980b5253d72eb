"""Gate crossings the store could not commit: kept in order until it can again.

When the data disk is full (or the database fails to commit), a crossing must not be lost
and must not be shown as if it were stored. The live core hands it to `CrossingBacklog`,
which keeps every such crossing in arrival order in memory and, when it can, in a small
journal file on another path (``[store] fallback_journal``; by default in the runtime
directory, a RAM disk on a Pi, so it survives a daemon restart but needs no space on the
data disk). The engine host retries every second; the crossings are stored in order once
the store commits again, and the journal is removed.

Should even the memory cap be reached, further crossings are counted as lost (a `Lost`
marker in the queue): the lap that spans them is later flagged for staff instead of
counting as one long lap.

The journal holds one JSON object per line: a crossing
(``{"gate_id", "t_ns", "source", "transponder"}``) or a loss (``{"lost", "gate_id"}``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lapgate.board.live.messages import GateChanged, Notice
from lapgate.board.store.api import StoreUnavailable
from lapgate.config.settings import Settings
from lapgate.timer.errors import LapgateError, RuleViolation
from lapgate.timer.events import Crossing, GateCrossing, InvalidateLap

if TYPE_CHECKING:
    from lapgate.board.live.race import Race

log = logging.getLogger(__name__)

MAX_HELD = 20_000  # about 40 h of laps of one car, or a long day of a busy decoder


@dataclass(slots=True)
class Lost:
    """`count` crossings of gate `gate_id` that could not even be held (memory cap)."""

    gate_id: str
    count: int


Held = Crossing | Lost


def default_journal_path(database_key: str) -> Path:
    """Where the journal goes when `[store] fallback_journal` is empty.

    The systemd runtime directory (``$RUNTIME_DIRECTORY``, ``/run/lapgate``) when there is
    one, else the temporary directory; the file name is keyed by the database, so two
    venues on one machine never share a journal.
    """
    digest = hashlib.sha256(database_key.encode("utf-8", "replace")).hexdigest()[:12]
    name = f"lapgate-crossings-{digest}.jsonl"
    runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
    if runtime:
        return Path(runtime) / name
    return Path(tempfile.gettempdir()) / name


class CrossingBacklog:
    """Crossings waiting for the store, oldest first, mirrored to `journal` when possible."""

    def __init__(self, journal: Path | None, max_held: int = MAX_HELD) -> None:
        self.journal = journal
        self.max_held = max_held
        self.held: list[Held] = []
        self.journal_error = ""  # why the journal could not be written ("" when it could)

    def __len__(self) -> int:
        return len(self.held)

    @property
    def crossings(self) -> int:
        return sum(1 for item in self.held if isinstance(item, Crossing))

    @property
    def lost(self) -> int:
        return sum(item.count for item in self.held if isinstance(item, Lost))

    def hold(self, crossing: Crossing) -> None:
        """Keep `crossing` after those already held (or count it lost past the cap)."""
        if self.crossings >= self.max_held:
            last = self.held[-1] if self.held else None
            if isinstance(last, Lost) and last.gate_id == crossing.gate_id:
                last.count += 1
            else:
                self.held.append(Lost(crossing.gate_id, 1))
            self._rewrite()  # rare: the cap is far above any race's crossings
            return
        self.held.append(crossing)
        self._append(crossing)

    def adopt(self, items: list[Held]) -> None:
        """Hold `items` read back from the journal (already on disk), before any new one."""
        self.held[:0] = items

    def take(self) -> Held | None:
        return self.held[0] if self.held else None

    def done(self) -> None:
        """The oldest item is stored (or flagged); forget it (the journal follows in `sync`)."""
        self.held.pop(0)

    def sync(self) -> None:
        """Make the journal match what is held: rewritten, or removed once nothing is."""
        self._rewrite()

    # ---- the journal ----------------------------------------------------------------

    def read_journal(self) -> list[Held]:
        """Whatever a previous process left in the journal, in order (bad lines skipped)."""
        if self.journal is None:
            return []
        try:
            text = self.journal.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        except OSError as exc:
            log.error("crossing journal %s unreadable: %s", self.journal, exc)
            return []
        items: list[Held] = []
        for number, line in enumerate(text.splitlines(), 1):
            try:
                items.append(_from_json(json.loads(line)))
            except (ValueError, TypeError, KeyError) as exc:
                log.error("crossing journal %s line %d skipped: %s", self.journal, number, exc)
        return items

    def _append(self, item: Held) -> None:
        if self.journal is None:
            return
        try:
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            with self.journal.open("a", encoding="utf-8") as out:
                out.write(json.dumps(_to_json(item)) + "\n")
                out.flush()
                os.fsync(out.fileno())
            self.journal_error = ""
        except (OSError, ValueError) as exc:  # ValueError: a path the OS cannot take
            self._journal_failed(exc)

    def _rewrite(self) -> None:
        if self.journal is None:
            return
        try:
            if not self.held:
                self.journal.unlink(missing_ok=True)
                self.journal_error = ""
                return
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.journal.with_suffix(".tmp")
            with temporary.open("w", encoding="utf-8") as out:
                out.writelines(json.dumps(_to_json(item)) + "\n" for item in self.held)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.journal)
            self.journal_error = ""
        except (OSError, ValueError) as exc:  # ValueError: a path the OS cannot take
            self._journal_failed(exc)

    def _journal_failed(self, exc: OSError | ValueError) -> None:
        if not self.journal_error:
            log.error(
                "crossing journal %s not written (%s): held in memory only", self.journal, exc
            )
        why = getattr(exc, "strerror", None) or exc
        self.journal_error = f"journal {str(self.journal)!r} not written: {why}"


def _to_json(item: Held) -> dict[str, Any]:
    if isinstance(item, Lost):
        return {"lost": item.count, "gate_id": item.gate_id}
    return {
        "gate_id": item.gate_id,
        "t_ns": item.t_ns,
        "source": item.source,
        "transponder": item.transponder,
    }


def _from_json(data: dict[str, Any]) -> Held:
    if "lost" in data:
        return Lost(str(data["gate_id"]), int(data["lost"]))
    transponder = data.get("transponder")
    return Crossing(
        str(data["gate_id"]),
        int(data["t_ns"]),
        str(data["source"]),
        None if transponder is None else str(transponder),
    )


# ---- the live core's side: holding, retrying, flagging (host thread only) -------------


def journal_path(settings: Settings) -> Path:
    """The journal file `[store] fallback_journal` names, or the default for the store."""
    if settings.store.fallback_journal:
        return Path(settings.store.fallback_journal)
    key = settings.store.database_url or str(Path(settings.store.data_dir).resolve())
    return default_journal_path(key)


def load(race: Race) -> None:
    """Start-up: crossings a previous process journalled but never stored are held again.

    Those already in a run's log (stored before that process stopped) are dropped; the
    rest are stored first, in order, before any new crossing.
    """
    if race.backlog.journal is None:
        race.backlog = CrossingBacklog(journal_path(race.settings))
    items = race.backlog.read_journal()
    if not items:
        return
    stored = {
        entry.event.crossing
        for run in race.runs.values()
        for entry in run.log.entries
        if isinstance(entry.event, GateCrossing)
    }
    fresh = [item for item in items if isinstance(item, Lost) or item not in stored]
    log.warning(
        "crossing journal %s: %d entries, %d already stored, %d to store now",
        race.backlog.journal,
        len(items),
        len(items) - len(fresh),
        len(fresh),
    )
    race.backlog.adopt(fresh)
    if not race.backlog.held:
        race.backlog.sync()  # everything was stored: the journal goes
        return
    retry(race)


def take_crossing(race: Race, crossing: Crossing) -> str | None:
    """Store `crossing` in its run, or hold it (after any already held); the run id or None."""
    if race.backlog.held:
        race.backlog.hold(crossing)
        if not retry(race):
            store_failed(race, _reason(race))
        return None
    try:
        run_id = _store_crossing(race, crossing)
    except StoreUnavailable as exc:
        race.backlog.hold(crossing)
        store_failed(race, str(exc))
        return None
    try:
        _apply_flags(race)
    except StoreUnavailable as exc:  # the flag waits for the next retry
        store_failed(race, str(exc))
    return run_id


def before_action(race: Race) -> None:
    """Before a staff action on a run: the held crossings go first, or the action waits."""
    if race.backlog.held and not retry(race):
        raise StoreUnavailable(
            "{crossings} gate crossing(s) wait for the store, and nothing is stored before them "
            "({detail}); try again when it commits",
            crossings=race.backlog.crossings,
            detail=race.store_health.detail,
        )


def retry(race: Race) -> bool:
    """Store the held crossings in order, then expire runs; False if the store still fails."""
    stored = 0
    try:
        _apply_flags(race)
        while (item := race.backlog.take()) is not None:
            if isinstance(item, Lost):
                _note_lost(race, item)
            else:
                _store_held(race, item)
            race.backlog.done()
            stored += 1
            _apply_flags(race)
        race.expire_now()
    except StoreUnavailable as exc:
        if stored:
            race.backlog.sync()
        store_failed(race, str(exc))
        return False
    if stored:
        race.backlog.sync()  # nothing held: the journal is removed
        log.warning("store commits again: %d held crossing(s) stored in order", stored)
    store_ok(race, stored)
    return True


def store_failed(race: Race, reason: str) -> None:
    """The store's light turns red, saying why and what is held where."""
    backlog = race.backlog
    held, lost = backlog.crossings, backlog.lost
    if backlog.journal_error or backlog.journal is None:
        where = f"in memory only ({backlog.journal_error or 'no journal'})"
    else:
        where = f"in memory and in {backlog.journal}"
    detail = reason
    if held:
        detail += f"; {held} crossing(s) held {where}, stored when it commits again"
    if lost:
        detail += f"; {lost} crossing(s) lost: the laps around them will be flagged"
    was = race.store_health
    race.store_health = replace(was, level="error", kind="store", detail=detail)
    if was.level != "error":
        log.error("store: %s", detail)
    if was.detail != detail:
        race.outbox.append(GateChanged(""))


def store_ok(race: Race, stored: int) -> None:
    if race.store_health.level == "ok":
        return
    detail = f"the store commits again; {stored} held crossing(s) stored" if stored else "stored"
    race.store_health = replace(race.store_health, level="ok", kind="store", detail=detail)
    race.outbox.append(GateChanged(""))


def _reason(race: Race) -> str:
    detail = race.store_health.detail
    return detail.split("; ", 1)[0] if detail else "the store cannot commit"


def _store_crossing(race: Race, crossing: Crossing) -> str | None:
    """Store one crossing; after a loss on its gate, the lap it closes is to be flagged."""
    run_id = race.route_crossing(crossing)
    lost = race.lost_crossings.pop(crossing.gate_id, 0)
    if lost and run_id is not None:
        why = (
            f"{lost} crossing(s) of gate {crossing.gate_id} were lost while the store could "
            "not commit: this lap may span several; check it and restore it if it is right"
        )
        race.flags_due.append((run_id, crossing.t_ns - 1, why))
    return run_id


def _store_held(race: Race, crossing: Crossing) -> None:
    """Store a held crossing; one the race refuses by its rules is told to staff, not kept
    (it would block every crossing behind it)."""
    try:
        _store_crossing(race, crossing)
    except StoreUnavailable:
        raise
    except LapgateError as exc:
        log.error("held crossing %s refused: %s", crossing, exc)
        text = f"a crossing held while the store failed was refused: {exc}"
        race.outbox.append(Notice("crossing_refused", text, crossing.gate_id))


def _note_lost(race: Race, item: Lost) -> None:
    race.lost_crossings[item.gate_id] = race.lost_crossings.get(item.gate_id, 0) + item.count
    text = (
        f"{item.count} crossing(s) of gate {item.gate_id} were lost while the store could "
        "not commit; the lap that spans them will be flagged"
    )
    race.outbox.append(Notice("crossings_lost", text, item.gate_id))


def _apply_flags(race: Race) -> None:
    """Mark each lap that spans lost crossings invalid with the reason, and tell staff."""
    from lapgate.board.live.race import ActionError, NotFound

    while race.flags_due:
        run_id, at_ns, why = race.flags_due[0]
        try:
            race.record(run_id, InvalidateLap(at_ns, why))
            text = why
        except (RuleViolation, NotFound, ActionError) as exc:
            text = f"{why} (no lap to flag: {exc})"
        race.outbox.append(Notice("crossings_lost", text))
        race.flags_due.pop(0)
