"""`lapgate league --config FILE`: the central service every track's daemon syncs into."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import click

from lapgate.board.i18n import cli_gettext as _
from lapgate.board.i18n import cli_ngettext as ngettext


@click.group(
    "league",
    invoke_without_command=True,
    help=_(
        "Run the central league service: PostgreSQL store, ingest from timers, league pages."
        "\n\nOn start, records stored before the league kept owners get theirs from their "
        "tracks (`lapgate league claim` shows and completes that)."
    ),
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=_("The league service's TOML config ([league] database_url, [[league.timers]])."),
)
@click.option("--port", type=int, default=None, help=_("Port (overrides the config; 0: any)."))
@click.pass_context
def league(ctx: click.Context, config_file: Path | None, port: int | None) -> None:
    if ctx.invoked_subcommand is not None:
        return
    if config_file is None:
        raise click.UsageError(_("--config: got nothing, expected the league's TOML file"))
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
        click.echo(
            ngettext(
                "owners given to {n} record stored before owners were kept",
                "owners given to {n} records stored before owners were kept",
                claimed,
            ).format(n=claimed)
        )
    if plan.ownerless:
        ownerless = len(plan.ownerless)
        click.echo(
            ngettext(
                "{n} record has no owner yet (the first timer to send it again claims it; "
                "or: lapgate league claim --timer ID)",
                "{n} records have no owner yet (the first timer to send one again claims it; "
                "or: lapgate league claim --timer ID)",
                ownerless,
            ).format(n=ownerless)
        )
    app, _socketio = create_league_app(settings, store)
    server = BoardServer(app, settings.host, settings.port if port is None else port)
    server.start()
    address = f"http://{settings.host}:{server.port}/"
    click.echo(_("league service: {url}").format(url=address))
    timers = ", ".join(t.id for t in settings.timers) or _("none")
    click.echo(_("timers allowed: {timers}").format(timers=timers))
    _serve_until_interrupted(server)


@league.command(
    "claim", help=_("Give owners to records stored before the league kept them (migration 0007).")
)
@click.option(
    "--config",
    "config_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=_("The league service's TOML config."),
)
@click.option(
    "--timer",
    "fallback",
    default="",
    help=_(
        "Give this timer every record its tracks and runs do not assign (e.g. a league "
        "with one venue)."
    ),
)
@click.option("--dry-run", is_flag=True, help=_("Only list who would own what."))
def claim(config_file: Path, fallback: str, dry_run: bool) -> None:
    from lapgate.board.store.sql import SqlStore
    from lapgate.board.sync.claims import apply_claims, plan_claims
    from lapgate.board.sync.settings import load_league_settings

    settings = load_league_settings(config_file)
    timer_ids = [t.id for t in settings.timers]
    if fallback and fallback not in timer_ids:
        raise click.BadParameter(
            _("got {timer!r}, expected one of the configured timers {timers}").format(
                timer=fallback, timers=timer_ids
            ),
            param_hint="--timer",
        )
    store = SqlStore(settings.database_url)
    try:
        plan = plan_claims(store, timer_ids, fallback)
        for timer_id, count in sorted(plan.counts().items()):
            records = ngettext("{n} record", "{n} records", count).format(n=count)
            click.echo(f"{timer_id}: {records}")
        for kind, record_id in plan.ownerless:
            click.echo(_("no owner: {kind} {record_id}").format(kind=kind, record_id=record_id))
        if dry_run:
            click.echo(_("dry run: nothing changed"))
            return
        claimed = apply_claims(store, plan)
        click.echo(
            ngettext(
                "claimed {n} record; {left} left without owner",
                "claimed {n} records; {left} left without owner",
                claimed,
            ).format(n=claimed, left=len(plan.ownerless))
        )
    finally:
        store.close()


@click.command(
    "spectate",
    help=_("Serve phones' live updates from the owner's broadcasts (a fan-out process)."),
)
@click.option("--message-queue", required=True, help=_("Redis URL the owner broadcasts through."))
@click.option("--owner", "owner_url", default="", help=_("The owner's URL (snapshots)."))
@click.option(
    "--host", "host_ip", default="127.0.0.1", show_default=True, help=_("Address to listen on.")
)
@click.option("--port", type=int, default=5001, show_default=True, help=_("Port to listen on."))
@click.option(
    "--server",
    type=click.Choice(["gevent", "threads"]),
    default="gevent",
    show_default=True,
    help=_("gevent: one event loop for every phone; threads: werkzeug, a thread per phone."),
)
def spectate(message_queue: str, owner_url: str, host_ip: str, port: int, server: str) -> None:
    from lapgate.board.service import BoardServer
    from lapgate.board.sync.fanout import create_spectator_app

    if server == "gevent":
        import importlib.util
        import os
        import sys

        from lapgate.board.sync.spectator import command_line

        if importlib.util.find_spec("gevent") is None:
            raise click.ClickException(
                _(
                    "--server gevent: gevent is not installed; install lapgate[fanout] "
                    "(pip install 'lapgate[fanout]') or use --server threads"
                )
            )
        sys.stdout.flush()
        os.execv(sys.executable, command_line(message_queue, owner_url, host_ip, port))

    app, _socketio = create_spectator_app(message_queue, owner_url)
    board = BoardServer(app, host_ip, port)
    board.start()
    click.echo(
        _("spectator: {url} (owner {owner})").format(
            url=f"http://{host_ip}:{board.port}/", owner=owner_url or _("none")
        )
    )
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
