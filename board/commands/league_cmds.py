"""`lapgate import-results`, `import-leaderboards` and `standings`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from lapgate.board.commands.store_cmds import db_options, open_store
from lapgate.board.i18n import cli_gettext as _
from lapgate.board.i18n import cli_language, error_text
from lapgate.board.i18n import cli_ngettext as ngettext
from lapgate.board.league.exports import write_csv
from lapgate.board.league.imports import (
    ImportFormatError,
    iso_date,
    parse_leaderboards,
    read_results,
    read_text,
    select_races,
)
from lapgate.board.league.model import ImportSummary, RaceMeta
from lapgate.board.league.standings import Scheme, StandingRow, compute_standings
from lapgate.board.league.summit import date_ms, season_races
from lapgate.board.store.api import ResultStore


def _report(summary: ImportSummary, label: str) -> None:
    imported = ngettext(
        "{label}: {n} result imported ({replaced} replaced, {new_racers} new racers, "
        "{skipped} rows skipped)",
        "{label}: {n} results imported ({replaced} replaced, {new_racers} new racers, "
        "{skipped} rows skipped)",
        summary.imported,
    )
    click.echo(
        imported.format(
            label=label,
            n=summary.imported,
            replaced=summary.replaced,
            new_racers=summary.new_racers,
            skipped=len(summary.problems),
        )
    )
    for problem in summary.problems:
        click.echo("  " + _("skipped {problem}").format(problem=problem), err=True)


def import_file(store: ResultStore, file: Path, meta: RaceMeta) -> ImportSummary:
    """Parse and import one results file; the summary lists every skipped row.

    Atomic per file: every good row is stored, or nothing is (`ImportFormatError`, stored
    results untouched) when no row is good, or when a file with bad rows would replace an
    earlier import of the race (a broken copy must not wipe what is there).
    """
    parsed = read_results(file)
    listed = "; ".join(str(p) for p in parsed.problems[:3]) + (
        "; " + _("… {n} more").format(n=len(parsed.problems) - 3)
        if len(parsed.problems) > 3
        else ""
    )
    if not parsed.rows:
        raise ImportFormatError(
            "{file}: no row could be read ({problems}); nothing imported, stored results kept",
            file=str(file),
            problems=listed or _("no rows"),
        )
    stored = _stored_results(store, meta)
    if parsed.problems and stored:
        raise ImportFormatError(
            "{file}: {bad} of {total} rows cannot be read ({problems}); nothing imported: "
            "the {stored} stored results of {race!r} are kept. Fix those rows and import again",
            file=str(file),
            bad=len(parsed.problems),
            total=len(parsed.rows) + len(parsed.problems),
            problems=listed,
            stored=stored,
            race=meta.name,
        )
    summary = store.import_race(meta, parsed.rows, source_name=str(file))
    problems = (*parsed.problems, *summary.problems)
    return ImportSummary(
        summary.event_id, summary.imported, summary.replaced, summary.new_racers, problems
    )


def _stored_results(store: ResultStore, meta: RaceMeta) -> int:
    """How many results an earlier import of race `meta` stored (0: none)."""
    event_id = store.find_event_id(meta.season, meta.source_id)
    if event_id is None:
        return 0
    races = store.imported_races(meta.season, [event_id], details=False)
    return sum(len(race.results) for race in races)


@click.command(
    "import-results",
    help=_("Import a race's final standings (deepracer-race-data CSV). Re-importing replaces."),
)
@db_options
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--season", required=True, help=_("Season the race belongs to (e.g. 2021)."))
@click.option("--event", "event_name", required=True, help=_("The race's name."))
@click.option(
    "--kind",
    type=click.Choice(["virtual", "summit", "company"]),
    default="virtual",
    show_default=True,
    help=_("What kind of race the file holds."),
)
@click.option("--date", default="", help=_("ISO date of the race (orders races and aliases)."))
@click.option("--race-id", default=None, help=_("Stable id of the race (default: file name)."))
def import_results(
    config_path: Path | None,
    db_url: str | None,
    file: Path,
    season: str,
    event_name: str,
    kind: str,
    date: str,
    race_id: str | None,
) -> None:
    store = open_store(config_path, db_url)
    meta = RaceMeta(
        season=season,
        name=event_name,
        source_id=race_id or file.stem,
        kind=kind,
        date=date,
        launch_time_ms=date_ms(date) if date else None,
    )
    summary = import_file(store, file, meta)
    _report(summary, event_name)


@click.command(
    "import-leaderboards",
    help=_("Import every race of leaderboards.csv that has a results file, with a progress bar."),
)
@db_options
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--season", required=True, help=_("Season to import into (e.g. 2021)."))
@click.option("--name-filter", default="", help=_("Regex on race names (case-insensitive)."))
@click.option(
    "--races-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=_("Folder of <race id>.csv files (default: <SEASON>/ next to FILE)."),
)
def import_leaderboards(
    config_path: Path | None,
    db_url: str | None,
    file: Path,
    season: str,
    name_filter: str,
    races_dir: Path | None,
) -> None:
    folder = races_dir or file.parent / season
    races, problems = parse_leaderboards(read_text(file), str(file))
    for problem in problems:
        click.echo(_("skipped {problem}").format(problem=problem), err=True)
    chosen = select_races(races, name_filter, lambda rid: (folder / f"{rid}.csv").exists())
    if not chosen:
        raise click.ClickException(
            _("no race of {file} matches {filter!r} with a file in {folder}").format(
                file=file, filter=name_filter, folder=folder
            )
        )
    store = open_store(config_path, db_url)
    total_rows = total_skipped = 0
    skipped: list[str] = []  # shown after the bar, which a line in the middle would break
    with click.progressbar(chosen, label=_("races"), file=sys.stderr) as bar:
        for race in bar:
            try:
                summary = import_file(store, folder / f"{race.race_id}.csv", race.meta(season))
            except ImportFormatError as exc:
                skipped.append(
                    _("skipped race {race_id}: {problem}").format(
                        race_id=race.race_id, problem=error_text(exc, cli_language())
                    )
                )
                continue
            total_rows += summary.imported
            total_skipped += len(summary.problems)
            skipped.extend(
                "  " + _("skipped {problem}").format(problem=problem)
                for problem in summary.problems
            )
    for line in skipped:
        click.echo(line)
    click.echo(
        ngettext(
            "{n} race ({since} on): {rows} results imported, {skipped} rows skipped",
            "{n} races ({since} on): {rows} results imported, {skipped} rows skipped",
            len(chosen),
        ).format(
            n=len(chosen),
            since=iso_date(min(r.launch_time_ms or 0 for r in chosen)),
            rows=total_rows,
            skipped=total_skipped,
        )
    )


def standings_csv(rows: list[StandingRow]) -> str:
    """The standings as CSV, every cell through the exports' formula guard (`write_csv`)."""
    columns = ["rank", "alias", "user_id", "points", "races", "region"]
    table = []
    for row in rows:
        data = row.as_json()
        table.append(
            [data["rank"], row.alias, row.user_id or "", data["points"], row.races, row.region]
        )
    return write_csv(columns, table)


@click.command(
    "standings",
    help=_("Season standings in AWS points or community points, globally or for a region."),
)
@db_options
@click.option("--season", required=True, help=_("Season to rank (e.g. 2021)."))
@click.option(
    "--scheme",
    type=click.Choice([s.value for s in Scheme]),
    default="aws",
    show_default=True,
    help=_(
        "aws: 10 for 1st, 9 for 2nd … 2 for 9th, 1 for any other finisher; "
        "community: −ranking time (ms), absent: −race mean."
    ),
)
@click.option(
    "--region",
    default=None,
    help=_("Only racers of this region (NA, LATAM, EMEA, APAC)."),
)
@click.option(
    "--json", "as_json", is_flag=True, help=_("JSON rows: rank, alias, user_id, points, races.")
)
@click.option("--csv", "as_csv", is_flag=True, help=_("CSV rows."))
@click.option("--top", type=int, default=0, help=_("Only the first N rows (0: all)."))
def standings(
    config_path: Path | None,
    db_url: str | None,
    season: str,
    scheme: str,
    region: str | None,
    as_json: bool,
    as_csv: bool,
    top: int,
) -> None:
    store = open_store(config_path, db_url)
    races = season_races(store, season)
    rows = compute_standings(races, scheme, store.racer_records(history=False), region=region)
    if top:
        rows = rows[:top]
    if as_json:
        click.echo(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=1))
    elif as_csv:
        click.echo(standings_csv(rows), nl=False)
    else:
        heading = ngettext(
            "{season} standings, {scheme} points, {n} race",
            "{season} standings, {scheme} points, {n} races",
            len(races),
        )
        click.echo("# " + heading.format(season=season, scheme=scheme, n=len(races)))
        for row in rows:
            team = (
                "  " + _("(team: {members})").format(members=row.team_members)
                if row.team_members
                else ""
            )
            click.echo(
                f"{row.rank:>5}  {row.as_json()['points']:>14}  {row.races:>2}  {row.alias}{team}"
            )


def register(group: click.Group) -> None:
    group.add_command(import_results)
    group.add_command(import_leaderboards)
    group.add_command(standings)
