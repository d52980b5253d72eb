"""The wall clock: it only labels stored results with a date, and is checked at start-up.

Lap times never use it (they are differences of monotonic or decoder instants, see
`board.clock`). A Pi has no battery clock: until NTP answers it boots with the date it last
saved, or an older one. Results stored meanwhile get wrong date labels (never wrong lap
times). So each stored run event carries `recorded_at`, the wall-clock time it was stored;
at start-up the service reads the latest one, and while the wall clock reads earlier than
that (by more than `SLACK`), the control page shows `WallClockCheck.warning()`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from flask import Flask

log = logging.getLogger(__name__)

# Returns the current time as naive UTC (the store's `recorded_at` convention).
WallClock = Callable[[], dt.datetime]
# NTP may step a clock back by a little; only a larger gap means the date is wrong.
SLACK = dt.timedelta(minutes=1)


def utc_now() -> dt.datetime:
    """The wall-clock time now, as naive UTC (what `recorded_at` stores)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def N_(message: str) -> str:
    """Marks `message` for the catalogs (tools/catalogs.py); it is translated where shown."""
    return message


# The control page shows it in the staff's language (board/web/pages.py), the log in English.
WARNING = N_(
    "This computer's clock says %(now)s but results were stored at %(stored)s: set the date "
    "(or connect to NTP); lap times are unaffected."
)


def _shown(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, slots=True)
class WallClockCheck:
    """Compares the wall clock with the latest stored label, whenever asked."""

    latest_stored: dt.datetime | None  # naive UTC; None: nothing stored yet
    wall_clock: WallClock = utc_now

    def warning_fields(self) -> dict[str, str] | None:
        """`WARNING`'s fields when the wall clock reads before the latest result; else None."""
        if self.latest_stored is None:
            return None
        now = self.wall_clock()
        if now >= self.latest_stored - SLACK:
            return None
        return {"now": _shown(now), "stored": _shown(self.latest_stored)}

    def warning(self) -> str:
        """One sentence for staff when the wall clock reads before the latest result; else ""."""
        fields = self.warning_fields()
        return WARNING % fields if fields else ""


class _LatestRecorded(Protocol):
    def latest_recorded_at(self) -> dt.datetime | None: ...


CHECK_EXTENSION = "lapgate.wall_clock_check"


def check_wall_clock(app: Flask, store: _LatestRecorded, wall_clock: WallClock) -> WallClockCheck:
    """At start-up, before anything new is stored: read the latest label, log a wrong clock,
    and hand the check to the control page (which asks it again at every load)."""
    check = WallClockCheck(store.latest_recorded_at(), wall_clock)
    app.extensions[CHECK_EXTENSION] = check
    warning = check.warning()
    if warning:
        log.warning("%s", warning)
    return check


def clock_warning(app: Flask, translate: Callable[[str], str] = N_) -> str:
    """The control page's wall-clock warning now ("" when the clock looks right), in the
    language of `translate` (a gettext)."""
    check = app.extensions.get(CHECK_EXTENSION)
    fields = check.warning_fields() if isinstance(check, WallClockCheck) else None
    return translate(WARNING) % fields if fields else ""
