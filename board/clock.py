"""Which monotonic clock the service's instants are on.

Lap times are differences of monotonic nanoseconds, which restart near zero when the
machine boots (a Pi has no real-time clock, and someone may trip over its power cable).
Instants from two boots cannot be compared, so each run records the identity of the clock
it was timed on: the kernel's boot id, plus a per-process token for a gate whose adapter
runs a clock of its own (the simulator at a speed factor above 1).
"""

from __future__ import annotations

import uuid
from functools import cache
from pathlib import Path

BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")
_PROCESS_TOKEN = uuid.uuid4().hex[:12]


@cache
def boot_id() -> str:
    """This boot's id (Linux); a per-process id where the kernel does not say."""
    try:
        return BOOT_ID_FILE.read_text(encoding="ascii").strip()
    except OSError:
        return f"process-{_PROCESS_TOKEN}"


def clock_id(own_clock: bool = False) -> str:
    """The id of the host monotonic clock, or of an adapter's own clock in this process."""
    return f"{boot_id()}/{_PROCESS_TOKEN}" if own_clock else boot_id()
