"""The data commands end to end: location of the database, imports, standings, prizes,
export, backup and restore."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lapgate.board.cli import cli
from lapgate.board.lockfile import DataDirLock
from lapgate.board.store.backup import integrity_ok
from lapgate.board.store.location import resolve_database_url
from lapgate.board.store.migrate import head_revision

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_database_location_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LAPGATE_DATA", raising=False)
    default = resolve_database_url(None, None)
    assert default == f"sqlite:///{tmp_path / 'lapgate-data' / 'lapgate.sqlite3'}"
    config = tmp_path / "c.toml"
    config.write_text('[store]\ndata_dir = "/srv/lg"\n')
    assert resolve_database_url(config, None) == "sqlite:////srv/lg/lapgate.sqlite3"
    assert resolve_database_url(config, "postgresql+psycopg://x/y") == "postgresql+psycopg://x/y"
    config.write_text('[store]\ndatabase_url = "sqlite:///elsewhere.db"\n')
    assert resolve_database_url(config, None) == "sqlite:///elsewhere.db"
    monkeypatch.setenv("LAPGATE_DATA", str(tmp_path / "env"))
    assert resolve_database_url(None, None) == f"sqlite:///{tmp_path / 'env' / 'lapgate.sqlite3'}"


def test_db_upgrade_creates_the_default_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LAPGATE_DATA", raising=False)
    head = head_revision()
    out = run("db", "upgrade")
    assert f"empty → {head}" in out
    assert (tmp_path / "lapgate-data" / "lapgate.sqlite3").exists()
    assert f"{head} → {head}" in run("db", "upgrade")


def test_import_results_reports_bad_rows_and_standings_json(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    race = tmp_path / "race.csv"
    race.write_text("Rank,Alias,UserId,RankingScore\n1,Ada,u1,100\n2,,u2,200\n3,Cy,u3,300\n")
    result = CliRunner().invoke(
        cli, ["import-results", str(race), "--season", "S", "--event", "Open", "--db", db]
    )
    assert result.exit_code == 0
    assert "2 results imported" in result.output
    assert f"{race}:3: Alias" in result.output
    rows = json.loads(run("standings", "--season", "S", "--json", "--db", db))
    assert rows == [
        {"rank": 1, "alias": "Ada", "user_id": "u1", "points": 10, "races": 1},
        {"rank": 2, "alias": "Cy", "user_id": "u3", "points": 8, "races": 1},  # file rank 3
    ]
    out = run("standings", "--season", "S", "--csv", "--scheme", "community", "--db", db)
    assert out.splitlines()[1] == "1,Ada,u1,-100,1,"


def test_import_leaderboards_prizes_export_backup_restore(tmp_path: Path, race_data: Path) -> None:
    db_file = tmp_path / "x.sqlite3"
    db = f"sqlite:///{db_file}"
    out = run(
        "import-leaderboards", str(race_data / "leaderboards.csv"), "--season", "2021",
        "--name-filter", "^(September|October) Qualifier", "--db", db,
    )  # fmt: skip
    assert "6 races" in out and "0 rows skipped" in out
    backup = Path(run("backup", "--db", db, "--out", str(tmp_path / "bk")).strip())
    assert backup.exists() and integrity_ok(backup) == (True, "ok")
    rules = str(ROOT / "config" / "examples" / "prizes-2021.toml")
    prizes = json.loads(run("prizes", "--season", "2021", "--rules", rules, "--json", "--db", db))
    assert prizes["estimate"] is True
    assert len([a for a in prizes["awards"] if a["prize"] == "seat"]) == 6
    target = tmp_path / "oct.csv"
    run(
        "export",
        "--event",
        "38010b1b-0790-4a75-95be-be373bb30710",
        "--out",
        str(target),
        "--db",
        db,
    )
    assert target.read_text().splitlines()[1].startswith("1,JPMC-HYD-02,")
    before = run("standings", "--season", "2021", "--top", "3", "--db", db)
    race = tmp_path / "extra.csv"
    race.write_text("Rank,Alias,UserId,RankingScore\n1,Newcomer,new,1\n")
    run("import-results", str(race), "--season", "2021", "--event", "Extra", "--db", db)
    assert run("standings", "--season", "2021", "--top", "3", "--db", db) != before
    out = run("restore", str(backup), "--yes", "--db", db)
    assert "previous database saved as" in out
    assert run("standings", "--season", "2021", "--top", "3", "--db", db) == before


def test_backup_of_postgres_is_refused_with_advice() -> None:
    result = CliRunner().invoke(cli, ["backup", "--db", "postgresql+psycopg://h/db"])
    assert result.exit_code != 0
    assert "pg_dump" in str(result.exception)


def test_racer_commands_and_restore_refuse_while_a_board_runs(tmp_path: Path) -> None:
    db_file = tmp_path / "lapgate.sqlite3"
    db = f"sqlite:///{db_file}"
    run("db", "upgrade", "--db", db)
    backup = Path(run("backup", "--db", db, "--out", str(tmp_path / "bk")).strip())
    board = DataDirLock(tmp_path)  # what `lapgate run` holds on its data folder
    board.acquire()
    try:
        for args in (
            ["racer", "merge", "a", "b"],
            ["racer", "unmerge", "1"],
            ["racer", "link", "a", "u-1"],
            ["restore", str(backup), "--yes"],
        ):
            result = CliRunner().invoke(cli, [*args, "--db", db])
            assert result.exit_code == 1, result.output
            assert "refused while a board runs on this database" in result.output
            assert "merge, split or delete racers on /control while it runs" in result.output
    finally:
        board.release()
    out = run("restore", str(backup), "--yes", "--db", db)  # the board stopped: it works
    assert "restored" in out
