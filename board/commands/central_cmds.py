"""`lapgate league --config FILE`: the central service every track's daemon syncs into."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import click


@click.group("league", invoke_without_command=True)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The league service's TOML config ([league] database_url, [[league.timers]]).",
)
@click.option("--port", type=int, default=None, help="Port (overrides the config; 0: any).")
@click.pass_context
def league(ctx: click.Context, config_file: Path | None, port: int | None) -> None:
    """Run the central league service: PostgreSQL store, ingest from timers, league pages.

    On start, records stored before the league kept owners get theirs from their tracks
    (`lapgate league claim` shows and completes that)."""
    if ctx.invoked_subcommand is not None:
        return
    if config_file is None:
        raise click.UsageError("--config: got nothing, expected the league's TOML file")
    from lapgate.board.service import BoardServer
    from lapgate.board.store.sql import SqlStore
    from lapgate.board.sync.claims import apply_claims, plan_claims
    from lapgate.board.sync.league_app import create_league_app
    from lapgate.board.sync.settings import load_league_settings

    settings = load_league_settings(config_file)
    store = SqlStore(settings.database_url)
    plan = plan_claims(store, [t.id for t in settings.timers])
    if plan.owners:
        claimed = apply_claims(store, plan)
        click.echo(f"owners given to {claimed} record(s) stored before owners were kept")
    if plan.ownerless:
        click.echo(
            f"{len(plan.ownerless)} record(s) have no owner yet (the first timer to send one "
            "again claims it; or: lapgate league claim --timer ID)"
        )
    app, _socketio = create_league_app(settings, store)
    server = BoardServer(app, settings.host, settings.port if port is None else port)
    server.start()
    click.echo(f"league service: http://{settings.host}:{server.port}/", nl=True)
    click.echo(f"timers allowed: {', '.join(t.id for t in settings.timers) or 'none'}")
    _serve_until_interrupted(server)


@league.command("claim")
@click.option(
    "--config",
    "config_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The league service's TOML config.",
)
@click.option(
    "--timer",
    "fallback",
    default="",
    help="Give this timer every record its tracks and runs do not assign (e.g. a league "
    "with one venue).",
)
@click.option("--dry-run", is_flag=True, help="Only list who would own what.")
def claim(config_file: Path, fallback: str, dry_run: bool) -> None:
    """Give owners to records stored before the league kept them (migration 0007)."""
    from lapgate.board.store.sql import SqlStore
    from lapgate.board.sync.claims import apply_claims, plan_claims
    from lapgate.board.sync.settings import load_league_settings

    settings = load_league_settings(config_file)
    timer_ids = [t.id for t in settings.timers]
    if fallback and fallback not in timer_ids:
        raise click.BadParameter(
            f"got {fallback!r}, expected one of the configured timers {timer_ids}",
            param_hint="--timer",
        )
    store = SqlStore(settings.database_url)
    try:
        plan = plan_claims(store, timer_ids, fallback)
        for timer_id, count in sorted(plan.counts().items()):
            click.echo(f"{timer_id}: {count} record(s)")
        for kind, record_id in plan.ownerless:
            click.echo(f"no owner: {kind} {record_id}")
        if dry_run:
            click.echo("dry run: nothing changed")
            return
        claimed = apply_claims(store, plan)
        click.echo(f"claimed {claimed} record(s); {len(plan.ownerless)} left without owner")
    finally:
        store.close()


@click.command("spectate")
@click.option("--message-queue", required=True, help="Redis URL the owner broadcasts through.")
@click.option("--owner", "owner_url", default="", help="The owner's URL (snapshots).")
@click.option(
    "--host", "host_ip", default="127.0.0.1", show_default=True, help="Address to listen on."
)
@click.option("--port", type=int, default=5001, show_default=True, help="Port to listen on.")
@click.option(
    "--server",
    type=click.Choice(["gevent", "threads"]),
    default="gevent",
    show_default=True,
    help="gevent: one event loop for every phone; threads: werkzeug, a thread per phone.",
)
def spectate(message_queue: str, owner_url: str, host_ip: str, port: int, server: str) -> None:
    """Serve phones' live updates from the owner's broadcasts (a fan-out process)."""
    from lapgate.board.service import BoardServer
    from lapgate.board.sync.fanout import create_spectator_app

    if server == "gevent":
        import importlib.util
        import os
        import sys

        from lapgate.board.sync.spectator import command_line

        if importlib.util.find_spec("gevent") is None:
            raise click.ClickException(
                "--server gevent: gevent is not installed; install lapgate[fanout] "
                "(pip install 'lapgate[fanout]') or use --server threads"
            )
        sys.stdout.flush()
        os.execv(sys.executable, command_line(message_queue, owner_url, host_ip, port))

    app, _socketio = create_spectator_app(message_queue, owner_url)
    board = BoardServer(app, host_ip, port)
    board.start()
    click.echo(f"spectator: http://{host_ip}:{board.port}/ (owner {owner_url or 'none'})")
    _serve_until_interrupted(board)


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
