"""`lapgate league --config FILE`: the central service every track's daemon syncs into."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import click


@click.command("league")
@click.option(
    "--config",
    "config_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The league service's TOML config ([league] database_url, [[league.timers]]).",
)
@click.option("--port", type=int, default=None, help="Port (overrides the config; 0: any).")
def league(config_file: Path, port: int | None) -> None:
    """Run the central league service: PostgreSQL store, ingest from timers, league pages."""
    from lapgate.board.service import BoardServer
    from lapgate.board.sync.league_app import create_league_app
    from lapgate.board.sync.settings import load_league_settings

    settings = load_league_settings(config_file)
    app, _socketio = create_league_app(settings)
    server = BoardServer(app, settings.host, settings.port if port is None else port)
    server.start()
    click.echo(f"league service: http://{settings.host}:{server.port}/", nl=True)
    click.echo(f"timers allowed: {', '.join(t.id for t in settings.timers) or 'none'}")
    _serve_until_interrupted(server)


@click.command("spectate")
@click.option("--message-queue", required=True, help="Redis URL the owner broadcasts through.")
@click.option("--owner", "owner_url", default="", help="The owner's URL (snapshots).")
@click.option(
    "--host", "host_ip", default="127.0.0.1", show_default=True, help="Address to listen on."
)
@click.option("--port", type=int, default=5001, show_default=True, help="Port to listen on.")
def spectate(message_queue: str, owner_url: str, host_ip: str, port: int) -> None:
    """Serve phones' live updates from the owner's broadcasts (a fan-out process)."""
    from lapgate.board.service import BoardServer
    from lapgate.board.sync.fanout import create_spectator_app

    app, _socketio = create_spectator_app(message_queue, owner_url)
    server = BoardServer(app, host_ip, port)
    server.start()
    click.echo(f"spectator: http://{host_ip}:{server.port}/ (owner {owner_url or 'none'})")
    _serve_until_interrupted(server)


def _serve_until_interrupted(server: Any) -> None:
    stop = threading.Event()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def register(group: click.Group) -> None:
    group.add_command(league)
    group.add_command(spectate)
