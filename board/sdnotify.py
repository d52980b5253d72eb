"""systemd's notify protocol (sd_notify), standard library only: READY=1, WATCHDOG=1, STOPPING=1.

Under `Type=notify` systemd starts the board's dependants only once it is serving, and with
`WatchdogSec=` it restarts a board whose engine stopped answering: `lapgate run` sends
WATCHDOG=1 only after the engine host answered a read. Outside systemd (no
`NOTIFY_SOCKET`) every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def notify(message: str) -> bool:
    """Send `message` to systemd; False when not run by systemd (or the send failed)."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(message.encode(), address)
    except OSError as exc:
        log.warning("sd_notify %s failed: %s", message, exc)
        return False
    return True


def watchdog_interval_s() -> float | None:
    """Half the watchdog period systemd asked for (`WATCHDOG_USEC`), or None for none."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000
