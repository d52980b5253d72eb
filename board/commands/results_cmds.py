"""`lapgate prizes`, `lapgate export` and `lapgate racer link|merge|unmerge|show`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from lapgate.board.commands.store_cmds import db_options, no_board_running, open_store
from lapgate.board.i18n import cli_gettext as _
from lapgate.board.league.event_export import ExportFormat, export_file
from lapgate.board.league.printout import PrintKind
from lapgate.board.league.prizes import estimate_prizes, load_rules
from lapgate.board.league.summit import season_races


@click.command(
    "prizes", help=_("List who probably won what in SEASON under the rules (an ESTIMATE).")
)
@db_options
@click.option("--season", required=True, help=_("Season to estimate (e.g. 2021)."))
@click.option(
    "--rules",
    "rules_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=_("Prize rules (TOML), e.g. config/examples/prizes-2021.toml."),
)
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON instead of text."))
def prizes(
    config_path: Path | None, db_url: str | None, season: str, rules_file: Path, as_json: bool
) -> None:
    rules = load_rules(rules_file)
    store = open_store(config_path, db_url)
    estimate = estimate_prizes(rules, season_races(store, season))
    if as_json:
        document = {
            "estimate": True,
            "title": estimate.title,
            "note": estimate.note,
            "awards": [asdict(a) for a in estimate.awards],
            "warnings": list(estimate.warnings),
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=1))
        return
    heading = _("ESTIMATE: {title} ({note})")
    click.echo("# " + heading.format(title=estimate.title or rules_file.name, note=estimate.note))
    for award in estimate.awards:
        rank = _("(rank {rank} in {race})").format(rank=award.race_rank, race=award.race)
        click.echo(f"{award.rule:<40} {award.prize_name:<24} {award.alias} {rank}")
    for warning in estimate.warnings:
        click.echo(_("warning: {warning}").format(warning=warning), err=True)


@click.command(
    "export",
    help=_(
        "Export an event's results, laps, everything or printable PDF pages (CSV cells are "
        "formula-safe)."
    ),
)
@db_options
@click.option("--event", "event_key", required=True, help=_("Event id, name or race id."))
@click.option("--round", "round_key", default=None, help=_("Round id, name or number."))
@click.option("--season", default=None, help=_("Season, when event names repeat."))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ExportFormat]),
    default="final-csv",
    show_default=True,
    help=_(
        "final-csv: standings; laps-csv: every lap; json: everything; drem-laps-csv, "
        "drem-summary-csv: DeepRacer Event Management columns; pdf: printable pages (--kind); "
        "html: the same pages for printing from a browser."
    ),
)
@click.option(
    "--kind",
    type=click.Choice([k.value for k in PrintKind]),
    default="all",
    show_default=True,
    help=_("pdf/html: results sheets, podium pages, a certificate per racer, organiser summary."),
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help=_("File (stdout).")
)
def export(
    config_path: Path | None,
    db_url: str | None,
    event_key: str,
    round_key: str | None,
    season: str | None,
    fmt: str,
    kind: str,
    out: Path | None,
) -> None:
    store = open_store(config_path, db_url)
    body = export_file(store, event_key, fmt, round_key, season, kind)
    if out is None:
        click.echo(body, nl=False)  # bytes go to the binary stream
    else:
        out.write_bytes(body)
        click.echo(_("wrote {file}").format(file=out), err=True)


@click.group("racer", help=_("Racer identity: link a user id, merge duplicates, undo a merge."))
def racer_group() -> None:
    pass


@racer_group.command(
    "show", help=_("Racers whose alias or user id contains TEXT, with their alias history.")
)
@db_options
@click.argument("text")
def racer_show(config_path: Path | None, db_url: str | None, text: str) -> None:
    store = open_store(config_path, db_url)
    needle = text.casefold()
    for record in store.racer_records().values():
        aliases = [a.alias for a in record.aliases]
        if needle in record.alias.casefold() or needle in (record.user_id or "").casefold():
            merged = (
                " " + _("merged into {racer_id}").format(racer_id=record.merged_into)
                if record.merged_into
                else ""
            )
            click.echo(
                f"{record.racer_id}  {record.alias}  user={record.user_id or '-'}  "
                f"country={record.country or '-'}  aliases={aliases}{merged}"  # machine output
            )


@racer_group.command(
    "link", help=_("Link racer RACER_ID (e.g. a summit racer) to the known USER_ID.")
)
@db_options
@click.argument("racer_id")
@click.argument("user_id")
def racer_link(config_path: Path | None, db_url: str | None, racer_id: str, user_id: str) -> None:
    with no_board_running(config_path, db_url, "racer link"):
        open_store(config_path, db_url).link_user_id(racer_id, user_id)
    click.echo(
        _("linked {racer_id} to user id {user_id}").format(racer_id=racer_id, user_id=user_id)
    )


@racer_group.command(
    "merge", help=_("Merge racer MERGED_ID into KEPT_ID (undo with `lapgate racer unmerge`).")
)
@db_options
@click.argument("kept_id")
@click.argument("merged_id")
def racer_merge(config_path: Path | None, db_url: str | None, kept_id: str, merged_id: str) -> None:
    with no_board_running(config_path, db_url, "racer merge"):
        merge_id = open_store(config_path, db_url).merge_racers(kept_id, merged_id)
    click.echo(
        _("merged {merged_id} into {kept_id} (merge {merge_id}; undo: racer unmerge)").format(
            merged_id=merged_id, kept_id=kept_id, merge_id=merge_id
        )
    )


@racer_group.command("unmerge", help=_("Undo merge MERGE_ID."))
@db_options
@click.argument("merge_id", type=int)
def racer_unmerge(config_path: Path | None, db_url: str | None, merge_id: int) -> None:
    with no_board_running(config_path, db_url, "racer unmerge"):
        open_store(config_path, db_url).undo_merge(merge_id)
    click.echo(_("merge {merge_id} undone").format(merge_id=merge_id))


def register(group: click.Group) -> None:
    group.add_command(prizes)
    group.add_command(export)
    group.add_command(racer_group)
