"""`lapgate run --config FILE` (the venue daemon) and `lapgate demo` (a simulated championship)."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import sys
import threading
from importlib import resources
from pathlib import Path

import click
from werkzeug.security import generate_password_hash

from lapgate.board import sdnotify
from lapgate.board.demo_show import DemoShow, fresh_sqlite
from lapgate.board.i18n import cli_gettext as _
from lapgate.board.lockfile import DataDirLock
from lapgate.board.service import Service, build_gates
from lapgate.board.startup import check_listen, config_error, store_problem
from lapgate.board.store.api import RaceStore
from lapgate.config import load_settings
from lapgate.config.settings import Settings
from lapgate.timer.errors import ConfigError


def _secret_key(data_dir: Path) -> str:
    """A session key kept in the data folder, so staff stay logged in across restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key, encoding="utf-8")
    os.chmod(path, 0o600)
    return key


def _open_store(url: str) -> RaceStore:
    from sqlalchemy.exc import SQLAlchemyError

    from lapgate.board.store.sql import SqlStore

    try:
        return SqlStore(url)
    except (OSError, SQLAlchemyError) as exc:
        raise store_problem(url, exc) from None


def _wait_forever(service: Service) -> None:
    """Serve until SIGTERM (systemctl stop) or SIGINT (Ctrl-C), then stop cleanly.

    The stop runs on this (main) thread, in `Service.stop`'s order: sync pusher, web server,
    gates (a decoder's race stop, GPIO pins closed), engine host, store.
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    watchdog_s = sdnotify.watchdog_interval_s()
    sdnotify.notify("READY=1")
    try:
        while not stop.wait(watchdog_s or 1.0):
            if watchdog_s is not None and _engine_answers(service):
                sdnotify.notify("WATCHDOG=1")
    finally:
        sdnotify.notify("STOPPING=1")
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        service.stop()
        click.echo(_("lapgate stopped"))


def _engine_answers(service: Service) -> bool:
    """Whether the engine host runs a command within 2 s (the watchdog's test of life)."""
    try:
        service.host.sync(timeout_s=2.0)
    except Exception:
        return False
    return True


def _urls(service: Service, settings: Settings) -> list[tuple[str, str]]:
    base = service.base_url
    return [
        (_("Big screen"), f"{base}/"),
        (_("Phones"), settings.board.public_url or f"{base}/m"),
        (_("Staff control"), f"{base}/control"),
        (_("Stream overlay"), f"{base}/overlay"),
        (_("JSON API"), f"{base}/api/openapi.json"),
    ]


@click.command("run", help=_("Run the board at the venue: gates, engine, store and web pages."))
@click.option(
    "--config",
    "config_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=_("The venue's lapgate TOML config (gates, tracks, round rules, [board], [store])."),
)
@click.option("--db", "db_url", default=None, help=_("Database URL (overrides the config)."))
@click.option(
    "--new-decoder-session",
    is_flag=True,
    help=_(
        "Start a new race on transponder decoders (their clock restarts at zero) instead "
        "of resuming the race they were timing before this restart."
    ),
)
def run(config_file: Path, db_url: str | None, new_decoder_session: bool) -> None:
    from lapgate.board.store.location import data_dir, resolve_database_url

    try:
        settings = load_settings(config_file)
    except ConfigError as exc:
        raise config_error(exc, config_file) from None
    check_listen(settings.board.host, settings.board.port)
    store = _open_store(resolve_database_url(config_file, db_url))  # creates the folder
    state_dir = data_dir(settings.store)
    lock = DataDirLock(state_dir)
    lock.acquire()  # one daemon per data folder: refused naming the other's pid
    if new_decoder_session:
        for session in state_dir.glob("decoder-*.json"):
            session.unlink()
    service = Service(
        settings,
        store,
        gates=build_gates(settings, state_dir),
        secret_key=_secret_key(data_dir(settings.store)),
        state_dir=state_dir,
        host_ip=settings.board.host,
        port=settings.board.port,
    )
    service.start()
    for label, url in _urls(service, settings):
        click.echo(f"{label:>15}: {url}")
    if not settings.board.staff_password_hash:
        click.echo(
            _("Staff login is disabled: set [board] staff_password_hash (lapgate hash-password)")
        )
    _wait_forever(service)
    lock.release()
    _exit_at_once()


def _exit_at_once() -> None:
    """Exit 0 now that everything is stopped, closed and flushed, skipping the interpreter's
    teardown of a large heap: seconds of CPU on a busy Pi, which a 5 s stop cannot spare."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def demo_settings(
    password_hash: str, event_number: int = 1, speed_factor: float | None = None
) -> Settings:
    """The packaged demo config for event #`event_number`, with the staff password hash.

    Each event's simulated gates take the next seed, so no two events race alike;
    `speed_factor` (if given) replaces their own.
    """
    text = (
        resources.files("lapgate.config").joinpath("examples/demo.toml").read_text(encoding="utf-8")
    )
    import tomllib

    from lapgate.config import settings_from_dict

    data = tomllib.loads(text)
    data.setdefault("board", {})["staff_password_hash"] = password_hash
    event = data.setdefault("event", {})
    event["name"] = f"{event.get('name', 'lapgate demo')} #{event_number}"
    for gate in data.get("gate", []):
        if gate.get("kind") != "simulated":
            continue
        gate["seed"] = int(gate.get("seed", 1)) + event_number - 1
        if speed_factor is not None:
            gate["speed_factor"] = speed_factor
    return settings_from_dict(data, source="config/examples/demo.toml")


def start_demo(
    host_ip: str, port: int, data: Path, *, speed_factor: float | None = None, events: int = 0
) -> tuple[DemoShow, Service, str]:
    """Start the demo show; return it, the first event's service, the staff password."""
    from lapgate.board.store.location import DB_FILE_NAME

    password = secrets.token_urlsafe(9)
    password_hash = generate_password_hash(password)
    secret_key = secrets.token_hex(32)  # one for every event: staff stay logged in

    def fresh_event(number: int, port: int) -> Service:
        settings = demo_settings(password_hash, number, speed_factor)
        # Each event starts on an empty database; the file stays for a look after.
        store = _open_store(fresh_sqlite(data / DB_FILE_NAME))
        return Service(
            settings,
            store,
            gates=build_gates(settings),
            secret_key=secret_key,
            host_ip=host_ip,
            port=port,
        )

    show = DemoShow(fresh_event, port, events=events)
    service = show.start()
    return show, service, password


@click.command(
    "demo",
    help=_(
        "A simulated championship, played over and over: 12 racers, simulated gate, live "
        "board.\n\nQualifying, an average-of-3 round, a double-elimination bracket down to 3 "
        "and a one-lap shootout, about 5 minutes in all; then a fresh event starts."
    ),
)
@click.option(
    "--host",
    "host_ip",
    default="127.0.0.1",
    show_default=True,
    help=_("Address to serve on (0.0.0.0: every network, for phones on the venue Wi-Fi)."),
)
@click.option(
    "--port",
    default=5000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help=_("HTTP port (0: any free port)."),
)
@click.option(
    "--data",
    "data",
    default="lapgate-demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help=_("Folder for the demo's database (wiped at every start and every new event)."),
)
@click.option(
    "--speed",
    "speed_factor",
    default=None,
    type=click.FloatRange(0, 100, min_open=True),
    help=_("Simulated seconds per real second (default: the demo config's 10)."),
)
@click.option(
    "--events",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help=_("Stop after this many events (0: start over forever)."),
)
def demo(host_ip: str, port: int, data: Path, speed_factor: float | None, events: int) -> None:
    check_listen(host_ip, port)
    show, service, password = start_demo(
        host_ip, port, data, speed_factor=speed_factor, events=events
    )
    click.echo(_("lapgate demo: a simulated championship is running (Ctrl+C stops it)"))
    for label, url in _urls(service, service.settings):
        click.echo(f"{label:>15}: {url}")
    new = _("(new at every start)")
    click.echo(f"{_('Staff password'):>15}: {password}   {new}")
    try:
        show.wait()
    except KeyboardInterrupt:
        pass
    finally:
        show.stop()


def register(group: click.Group) -> None:
    group.add_command(run)
    group.add_command(demo)
