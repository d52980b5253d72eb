"""`lapgate import-results`, `import-leaderboards` and `standings`."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click

from lapgate.board.commands.store_cmds import db_options, open_store
from lapgate.board.league.exports import neutralise
from lapgate.board.league.imports import (
    ImportFormatError,
    iso_date,
    parse_leaderboards,
    read_results,
    select_races,
)
from lapgate.board.league.model import ImportSummary, RaceMeta
from lapgate.board.league.standings import Scheme, StandingRow, compute_standings
from lapgate.board.league.summit import date_ms, season_races
from lapgate.board.store.api import ResultStore


def _report(summary: ImportSummary, label: str) -> None:
    click.echo(
        f"{label}: {summary.imported} results imported "
        f"({summary.replaced} replaced, {summary.new_racers} new racers, "
        f"{len(summary.problems)} rows skipped)"
    )
    for problem in summary.problems:
        click.echo(f"  skipped {problem}", err=True)


def import_file(store: ResultStore, file: Path, meta: RaceMeta) -> ImportSummary:
    """Parse and import one results file; the summary lists every skipped row."""
    parsed = read_results(file)
    summary = store.import_race(meta, parsed.rows, source_name=str(file))
    problems = (*parsed.problems, *summary.problems)
    return ImportSummary(
        summary.event_id, summary.imported, summary.replaced, summary.new_racers, problems
    )


@click.command("import-results")
@db_options
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--season", required=True, help="Season the race belongs to (e.g. 2021).")
@click.option("--event", "event_name", required=True, help="The race's name.")
@click.option(
    "--kind",
    type=click.Choice(["virtual", "summit", "company"]),
    default="virtual",
    show_default=True,
    help="What kind of race the file holds.",
)
@click.option("--date", default="", help="ISO date of the race (orders races and aliases).")
@click.option("--race-id", default=None, help="Stable id of the race (default: file name).")
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
    """Import a race's final standings (deepracer-race-data CSV). Re-importing replaces."""
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


@click.command("import-leaderboards")
@db_options
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--season", required=True, help="Season to import into (e.g. 2021).")
@click.option("--name-filter", default="", help="Regex on race names (case-insensitive).")
@click.option(
    "--races-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of <race id>.csv files (default: <SEASON>/ next to FILE).",
)
def import_leaderboards(
    config_path: Path | None,
    db_url: str | None,
    file: Path,
    season: str,
    name_filter: str,
    races_dir: Path | None,
) -> None:
    """Import every race of leaderboards.csv that has a results file, with a progress bar."""
    folder = races_dir or file.parent / season
    races, problems = parse_leaderboards(file.read_text(encoding="utf-8-sig"), str(file))
    for problem in problems:
        click.echo(f"skipped {problem}", err=True)
    chosen = select_races(races, name_filter, lambda rid: (folder / f"{rid}.csv").exists())
    if not chosen:
        raise click.ClickException(
            f"no race of {file} matches {name_filter!r} with a file in {folder}"
        )
    store = open_store(config_path, db_url)
    total_rows = total_skipped = 0
    skipped: list[str] = []  # shown after the bar, which a line in the middle would break
    with click.progressbar(chosen, label="races", file=sys.stderr) as bar:
        for race in bar:
            try:
                summary = import_file(store, folder / f"{race.race_id}.csv", race.meta(season))
            except ImportFormatError as exc:
                skipped.append(f"skipped race {race.race_id}: {exc}")
                continue
            total_rows += summary.imported
            total_skipped += len(summary.problems)
            skipped.extend(f"  skipped {problem}" for problem in summary.problems)
    for line in skipped:
        click.echo(line)
    click.echo(
        f"{len(chosen)} races ({iso_date(min(r.launch_time_ms or 0 for r in chosen))} on): "
        f"{total_rows} results imported, {total_skipped} rows skipped"
    )


def standings_csv(rows: list[StandingRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rank", "alias", "user_id", "points", "races", "region"])
    for row in rows:
        data = row.as_json()
        writer.writerow(
            [data["rank"], neutralise(row.alias), neutralise(row.user_id or ""),
             data["points"], row.races, row.region]
        )  # fmt: skip
    return out.getvalue()


@click.command("standings")
@db_options
@click.option("--season", required=True, help="Season to rank (e.g. 2021).")
@click.option(
    "--scheme",
    type=click.Choice([s.value for s in Scheme]),
    default="aws",
    show_default=True,
    help=(
        "aws: 10 for 1st, 9 for 2nd … 2 for 9th, 1 for any other finisher; "
        "community: −ranking time (ms), absent: −race mean."
    ),
)
@click.option("--region", default=None, help="Only racers of this region (NA, LATAM, EMEA, APAC).")
@click.option(
    "--json", "as_json", is_flag=True, help="JSON rows: rank, alias, user_id, points, races."
)
@click.option("--csv", "as_csv", is_flag=True, help="CSV rows.")
@click.option("--top", type=int, default=0, help="Only the first N rows (0: all).")
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
    """Season standings in AWS points or community points, globally or for a region."""
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
        click.echo(f"# {season} standings, {scheme} points, {len(races)} races")
        for row in rows:
            team = f"  (team: {row.team_members})" if row.team_members else ""
            click.echo(
                f"{row.rank:>5}  {row.as_json()['points']:>14}  {row.races:>2}  {row.alias}{team}"
            )


def register(group: click.Group) -> None:
    group.add_command(import_results)
    group.add_command(import_leaderboards)
    group.add_command(standings)
