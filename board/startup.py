"""Start-up checks of `lapgate run` and `lapgate demo`: one clear sentence with the fix.

Checked before anything starts: the board's port (in use, needs root, not an address of
this computer) and the config (`config_error`). Checked per gate: GPIO chips missing or
not accessible, a serial device missing or not accessible. A gate problem does not stop
the board (staff can time with manual laps, see `board.service.build_gates`): its sentence
goes to the log and to the gate's health light on the control page.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Callable
from pathlib import Path

from lapgate.config.settings import GpioGate, SerialGate, Settings
from lapgate.timer.errors import ConfigError, LapgateError

DEV = Path("/dev")
# Pin factories that open /dev/gpiochip* (mock needs nothing; the others are legacy).
CHIP_FACTORIES = ("", "lgpio")
PORT_HINT = "[board] port in the config, --port for the demo"


class PortUnavailable(LapgateError, OSError):
    """The board's HTTP port cannot be opened (in use, privileged, unknown address)."""


def check_listen(host: str, port: int) -> None:
    """Raise `PortUnavailable` (one sentence with the fix) unless `host:port` can be bound."""
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise _host_problem(host, str(exc.strerror)) from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug does
        try:
            sock.bind(address)
        except OSError as exc:
            raise _bind_problem(host, port, exc) from None


def _host_problem(host: str, why: str) -> PortUnavailable:
    return PortUnavailable(
        "cannot listen on {host!r} ({why}): set [board] host (--host for the demo) to an "
        "address of this computer, 0.0.0.0 for every network or 127.0.0.1 for this one only",
        host=host,
        why=why,
    )


def _bind_problem(host: str, port: int, exc: OSError) -> PortUnavailable:
    if exc.errno == errno.EADDRINUSE:
        return PortUnavailable(
            "port {port} on {host} is already in use (is lapgate already running? "
            "`systemctl status lapgate`): stop that program or choose a free port ({hint})",
            port=port,
            host=host,
            hint=PORT_HINT,
        )
    if exc.errno == errno.EACCES:
        return PortUnavailable(
            "port {port} needs root: choose a port above 1023 ({hint})", port=port, hint=PORT_HINT
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return _host_problem(host, "not an address of this computer")
    return PortUnavailable(
        "cannot listen on {host}:{port} ({why}): choose another port ({hint})",
        host=host,
        port=port,
        why=exc.strerror,
        hint=PORT_HINT,
    )


def config_error(exc: ConfigError, config_file: Path) -> ConfigError:
    """The loader's error with the fix appended (one line per problem it found)."""
    if not config_file.exists():
        return exc  # the message names the missing file: nothing to check yet
    lines = str(exc).splitlines()
    if len(lines) == 1:
        return ConfigError(
            "{error}: fix it, then check the file with `lapgate check-config {config_file}`",
            error=lines[0],
            config_file=config_file,
        )
    check = f"Fix these, then check the file with `lapgate check-config {config_file}`"
    problems = "\n".join([*lines, check])  # the loader's lines, in English as it wrote them
    return ConfigError(problems)


def _can_open(path: Path) -> bool:
    return os.access(path, os.R_OK | os.W_OK)


def gpio_problem(
    gate: GpioGate, dev: Path | None = None, can_open: Callable[[Path], bool] | None = None
) -> str:
    """Why `gate` cannot open a GPIO chip here, with the fix; "" when it can (or may)."""
    dev, can_open = dev or DEV, can_open or _can_open
    if gate.pin_factory not in CHIP_FACTORIES:
        return ""
    chips = sorted(dev.glob("gpiochip*"))
    if not chips:
        return (
            f"this computer has no GPIO ({dev}/gpiochip* missing): run "
            'lapgate on the Raspberry Pi, or set kind = "simulated" to try it here'
        )
    if not any(can_open(chip) for chip in chips):
        return (
            f"no permission to open {chips[0]}: add the user to the gpio "
            "group (`sudo usermod -aG gpio $USER`, then log in again) or run the installed "
            "service (`sudo systemctl start lapgate`)"
        )
    return ""


def serial_problem(
    gate: SerialGate, dev: Path | None = None, can_open: Callable[[Path], bool] | None = None
) -> str:
    """Why `gate`'s serial device cannot be opened now, with the fix; "" when it can."""
    dev, can_open = dev or DEV, can_open or _can_open
    if gate.usb_id or not gate.url.startswith(str(dev) + "/"):
        return ""  # found by USB id at run time, or a pyserial URL (socket://, loop://)
    path = Path(gate.url)
    if not path.exists():
        return (
            f"serial device {path} not found: plug the decoder in "
            "(`ls /dev/serial/by-id/` lists what is connected) or set the gate's url or "
            "usb_id in the config; lapgate keeps retrying meanwhile"
        )
    if not can_open(path):
        return (
            f"no permission to open {path}: add the user to the dialout "
            "group (`sudo usermod -aG dialout $USER`, then log in again) or run the "
            "installed service (`sudo systemctl start lapgate`)"
        )
    return ""


def gate_problems(
    settings: Settings, dev: Path | None = None, can_open: Callable[[Path], bool] | None = None
) -> dict[str, str]:
    """Gate id → one sentence with the fix (without the gate's id), for each gate that
    cannot work as configured."""
    problems: dict[str, str] = {}
    for gate in settings.gate:
        problem = ""
        if isinstance(gate, GpioGate):
            problem = gpio_problem(gate, dev, can_open)
        elif isinstance(gate, SerialGate):
            problem = serial_problem(gate, dev, can_open)
        if problem:
            problems[gate.id] = problem
    return problems


class StoreUnavailable(LapgateError, OSError):
    """The database cannot be opened (folder missing or not writable, server down)."""


def store_problem(url: str, exc: Exception) -> StoreUnavailable:
    """One sentence with the fix for a database that cannot be opened at start-up."""
    from sqlalchemy.engine import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    why = getattr(exc, "strerror", None) or str(getattr(exc, "orig", None) or exc)
    why = why.strip().splitlines()[0] if why.strip() else type(exc).__name__
    return StoreUnavailable(
        "cannot open the database {shown} ({why}): set [store] data_dir to a folder this user "
        "can write (or database_url to a reachable server), or run the installed service (`sudo "
        "systemctl start lapgate`)",
        shown=shown,
        why=why,
    )
