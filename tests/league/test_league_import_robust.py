"""Imports that meet bad files: clear per-row or per-file errors, and never a lost import.

A number beyond the database's integers, a field over 128 KB, a cp1252 or UTF-16 file;
and a broken copy of a file imported earlier, which must leave the stored results alone.
Through the `lapgate` command line (in this process; one case as a real process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from lapgate.board.cli import cli
from lapgate.board.league.imports import ImportFormatError, read_results
from lapgate.timer.errors import LapgateError

ROOT = Path(__file__).resolve().parents[2]
HEADER = "Rank,Alias,UserId,Country,RankingScore,BestLapTime,LapCount\n"
GOOD = "".join(f"{i},Racer {i},u{i},DE,{10_000 + i},{9_000 + i},3\n" for i in range(1, 21))


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def lapgate(*args: str) -> Ran:
    """`lapgate ARGS` in this process, as `main()` reports: a lapgate error exits 2."""
    result = CliRunner().invoke(cli, list(args))
    if isinstance(result.exception, LapgateError):
        return Ran(2, result.stdout, result.stderr + f"lapgate: {result.exception}\n")
    assert result.exception is None or isinstance(result.exception, SystemExit), result
    return Ran(result.exit_code, result.stdout, result.stderr)


def lapgate_process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from lapgate.board.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def import_file(db: str, file: Path) -> Ran:
    return lapgate(
        "import-results", str(file), "--season", "2021", "--event", "Open", "--race-id", "r1",
        "--db", db,
    )  # fmt: skip


def stored(db: str) -> list[dict[str, object]]:
    result = lapgate("standings", "--season", "2021", "--json", "--db", db)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'league.sqlite3'}"


def test_a_number_beyond_2_63_is_a_problem_of_its_row_only(tmp_path: Path, db: str) -> None:
    file = tmp_path / "r1.csv"
    file.write_text(HEADER + GOOD + "21,Huge,u21,DE,10021,99999999999999999999,3\n")
    result = import_file(db, file)
    assert result.returncode == 0, result.stderr
    assert "20 results imported (0 replaced" in result.stdout
    assert "r1.csv:22: BestLapTime: got 99999999999999999999, expected a number up to" in (
        result.stderr
    )
    assert len(stored(db)) == 20


def test_a_field_over_128_kb_is_a_problem_of_its_row(tmp_path: Path) -> None:
    file = tmp_path / "r1.csv"
    file.write_text(
        HEADER + GOOD[:40] + f'2,"{"x" * 200_000}",u2,DE,1,1,1\n' + "3,Cy,u3,DE,3,3,3\n"
    )
    parsed = read_results(file)
    assert [row.alias for row in parsed.rows] == ["Racer 1", "Cy"]
    [problem] = parsed.problems
    assert "field larger than field limit" in problem.reason
    assert "expected fields under 128 KB" in problem.reason


def test_utf16_files_with_a_bom_are_read(tmp_path: Path) -> None:
    file = tmp_path / "r1.csv"
    file.write_bytes((HEADER + "1,Zoë,u1,DE,1,1,1\n").encode("utf-16"))
    assert [row.alias for row in read_results(file).rows] == ["Zoë"]


def test_cp1252_and_bomless_utf16_files_are_refused_naming_the_line(tmp_path: Path) -> None:
    file = tmp_path / "r1.csv"
    file.write_bytes((HEADER + "1,Zoë,u1,DE,1,1,1\n").encode("cp1252"))
    with pytest.raises(ImportFormatError, match=r"r1.csv:2: got byte 0xeb that is not UTF-8"):
        read_results(file)
    file.write_bytes((HEADER + "1,Zoë,u1,DE,1,1,1\n").encode("utf-16-le"))
    with pytest.raises(ImportFormatError, match=r"r1.csv:1: got NUL bytes"):
        read_results(file)


def test_the_command_refuses_a_cp1252_file_without_a_traceback(tmp_path: Path, db: str) -> None:
    file = tmp_path / "r1.csv"
    file.write_bytes((HEADER + "1,Zoë,u1,DE,1,1,1\n").encode("cp1252"))
    result = lapgate_process(
        "import-results", str(file), "--season", "2021", "--event", "Open", "--db", db
    )
    assert result.returncode == 2
    assert "not UTF-8" in result.stderr and "Traceback" not in result.stderr


def test_a_broken_copy_never_wipes_the_stored_results(tmp_path: Path, db: str) -> None:
    file = tmp_path / "r1.csv"
    file.write_text(HEADER + GOOD)
    assert "20 results imported (0 replaced" in import_file(db, file).stdout
    # the same file saved with the aliases lost and the numbers mangled
    broken = "".join(f"{i},,u{i},DE,x,y,z\n" for i in range(1, 21))
    file.write_text(HEADER + broken)
    result = import_file(db, file)
    assert result.returncode == 2, result.stdout
    assert "0 results imported" not in result.stdout
    assert "no row could be read" in result.stderr and "stored results kept" in result.stderr
    assert len(stored(db)) == 20
    # a copy with only some rows broken would replace 20 results by fewer: refused too
    file.write_text(HEADER + GOOD.replace("Racer 7,", ",", 1))
    result = import_file(db, file)
    assert result.returncode == 2
    assert "1 of 20 rows cannot be read" in result.stderr
    assert "the 20 stored results of 'Open' are kept" in result.stderr
    assert len(stored(db)) == 20
    file.write_text(HEADER + GOOD.replace("Racer 7,", "Racer Seven,", 1))  # fixed: replaces
    assert "20 results imported (20 replaced" in import_file(db, file).stdout
    assert "Racer Seven" in {row["alias"] for row in stored(db)}


def test_standings_csv_guards_every_text_cell(tmp_path: Path, db: str) -> None:
    file = tmp_path / "r1.csv"
    file.write_text(HEADER + "1,=cmd|' /C calc'!A0,u1,DE,100,100,3\n")
    assert import_file(db, file).returncode == 0
    region_db = db  # the region of a racer comes from their country
    result = lapgate("standings", "--season", "2021", "--csv", "--db", region_db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "rank,alias,user_id,points,races,region"
    assert lines[1].startswith("1,'=cmd")
