"""Reading race results in the deepracer-race-data format, tolerantly.

`parse_results(text, source)` accepts every header variant of the published files: any
column order, optional columns (`Rank`, `RacingDivision`, `TeamName`, `Country`, …), header
names in any case or with spaces/underscores, integer or float milliseconds. A bad row is
reported as a problem with `file:line` and a reason; the good rows are still returned.
`parse_leaderboards(text)` reads `leaderboards.csv` (one row per race).

Files are UTF-8 (with or without a BOM) or UTF-16 with a BOM (as spreadsheets save
"Unicode text"); anything else is refused naming the first byte that is not UTF-8. A field
over 128 KB or a number beyond what the database holds (2^63 − 1) is a problem of its row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from lapgate.board.league.model import ImportProblem, ImportRow, RaceMeta
from lapgate.timer.errors import LapgateError

FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
# The league service writes ~2**63 as the RankingScore of a racer who completed no lap.
NO_TIME_SENTINEL_MS: Final = 2**62
MAX_STORED_INT: Final = 2**63 - 1  # SQLite's and PostgreSQL's BIGINT


class ImportFormatError(LapgateError, ValueError):
    """A file that cannot be read as results at all (no header, no Alias column)."""


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


# Canonical column → accepted spellings (normalised).
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "Rank": ("rank", "position", "pos"),
    "Alias": ("alias", "racer", "racername", "name"),
    "UserId": ("userid", "user", "racerid", "profileid"),
    "RankingScore": ("rankingscore", "rankingtime", "rankingtimems"),
    "BestLapTime": ("bestlaptime", "bestlap", "fastestlap", "fastestlaptime"),
    "AvgLapTime": ("avglaptime", "averagelaptime", "avglap"),
    "TotalLapTime": ("totallaptime", "totaltime"),
    "LapCount": ("lapcount", "laps"),
    "ResetCount": ("resetcount", "resets"),
    "SubmissionCount": ("submissioncount", "submissions"),
    "Country": ("country", "countrycode"),
}
_LOOKUP: Final = {spelling: canon for canon, names in COLUMNS.items() for spelling in names}
INT_COLUMNS: Final = ("LapCount", "ResetCount", "SubmissionCount")
TIME_COLUMNS: Final = ("RankingScore", "BestLapTime", "AvgLapTime", "TotalLapTime")
_NUMERIC: Final = (*INT_COLUMNS, *TIME_COLUMNS, "Rank")
_WHOLE: Final = frozenset((*INT_COLUMNS, "Rank"))
_KNOWN: Final = frozenset(COLUMNS)
_FORMULA_CHARS: Final = "".join(FORMULA_PREFIXES)


def unneutralise(value: str) -> str:
    """Undo lapgate's formula-injection guard (a ``'`` before = + - @ tab CR) on import."""
    if value[:1] == "'" and value[1:2] in _FORMULA_CHARS and len(value) > 1:
        return value[1:]
    return value


def _number(value: str, column: str, as_int: bool) -> float | int | None:
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():  # the common case: a plain whole number
        whole = int(text)
        if whole > MAX_STORED_INT:
            raise ValueError(f"{column}: got {text[:30]}, expected a number up to {MAX_STORED_INT}")
        return whole
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{column}: got {value[:40]!r}, expected a number") from None
    if not math.isfinite(number) or number < 0 or number > MAX_STORED_INT:
        raise ValueError(
            f"{column}: got {value[:40]!r}, expected a finite number from 0 to {MAX_STORED_INT}"
        )
    if as_int:
        if number != int(number):
            raise ValueError(f"{column}: got {value!r}, expected a whole number")
        return int(number)
    return number


@dataclass(frozen=True, slots=True)
class ParsedResults:
    rows: tuple[ImportRow, ...]
    problems: tuple[ImportProblem, ...]
    columns: tuple[str, ...]  # the header as found


def parse_results(text: str, source: str) -> ParsedResults:
    """Rows and problems of one results file; see the module docstring."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFormatError(
            "{source}:1: got a header the CSV reader cannot take ({exc})", source=source, exc=exc
        ) from None
    if not header:
        raise ImportFormatError(
            "{source}:1: got an empty file, expected a CSV header", source=source
        )
    canon = [_LOOKUP.get(_norm(name), name.strip()) for name in header]
    if "Alias" not in canon:
        raise ImportFormatError(
            "{source}:1: got columns {header}, expected an Alias column",
            source=source,
            header=header,
        )
    rows: list[ImportRow] = []
    problems: list[ImportProblem] = []
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over csv's 128 KB limit, a NUL, a broken quote
            reason = f"got a row the CSV reader cannot take ({exc}), expected fields under 128 KB"
            problems.append(ImportProblem(source, reader.line_num, reason))
            continue
        line = reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(canon):
            reason = f"got {len(fields)} fields, expected {len(canon)} as in the header"
            problems.append(ImportProblem(source, line, reason))
            continue
        try:
            rows.append(_row(dict(zip(canon, fields, strict=True)), line, len(rows) + 1))
        except ValueError as exc:
            problems.append(ImportProblem(source, line, str(exc)))
    return ParsedResults(tuple(rows), tuple(problems), tuple(header))


def _row(values: dict[str, str], line: int, position: int) -> ImportRow:
    alias = unneutralise(values.get("Alias", "").strip())
    if not alias:
        raise ValueError("Alias: got an empty value, expected the racer's alias")
    numbers: dict[str, Any] = {}
    for column in _NUMERIC:
        if column in values:
            numbers[column] = _number(values[column], column, column in _WHOLE)
    rank = numbers.get("Rank", position) if "Rank" in values else position
    if rank is not None and rank < 1:
        raise ValueError(f"Rank: got {rank}, expected 1 or more")
    ranking = numbers.get("RankingScore")
    if "RankingScore" not in values:
        ranking = numbers.get("BestLapTime")
    if (ranking is not None and ranking >= NO_TIME_SENTINEL_MS) or numbers.get("LapCount") == 0:
        ranking = None  # the service ranks racers without a lap last, with a huge sentinel
    extra = {k: unneutralise(v) for k, v in values.items() if k not in _KNOWN and v != ""}
    user_id = unneutralise(values.get("UserId", "").strip()) or None
    return ImportRow(
        line=line,
        alias=alias,
        user_id=user_id,
        rank=rank,
        ranking_time_ms=ranking,
        best_lap_ms=numbers.get("BestLapTime"),
        avg_lap_ms=numbers.get("AvgLapTime"),
        total_lap_ms=numbers.get("TotalLapTime"),
        lap_count=numbers.get("LapCount"),
        reset_count=numbers.get("ResetCount"),
        submission_count=numbers.get("SubmissionCount"),
        country=values.get("Country", "").strip().upper(),
        extra=extra,
    )


def read_results(path: str | Path) -> ParsedResults:
    file = Path(path)
    return parse_results(read_text(file), str(file))


def read_text(file: Path) -> str:
    """A CSV file's text: UTF-8 (BOM or not) or UTF-16 with a BOM; else `ImportFormatError`."""
    data = file.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFormatError(
                "{file}: a UTF-16 file with a broken character at byte {start}; expected UTF-8 "
                "or UTF-16 text",
                file=file,
                start=exc.start,
            ) from None
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise ImportFormatError(
            "{file}:{line}: got NUL bytes (UTF-16 without its BOM, or not text); expected UTF-8 "
            "text",
            file=file,
            line=line,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise ImportFormatError(
            "{file}:{line}: got byte 0x{byte} that is not UTF-8 (a cp1252/Latin-1 file?); "
            "expected UTF-8 text: save it as 'CSV UTF-8'",
            file=file,
            line=line,
            byte=byte,
        ) from None
    return text


# leaderboards.csv ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeaderboardRace:
    """One row of leaderboards.csv."""

    race_id: str  # the last path part of the Arn
    name: str
    race_type: str
    timing_method: str
    division: str
    launch_time_ms: int | None
    participants: int | None

    def meta(self, season: str) -> RaceMeta:
        return RaceMeta(
            season=season,
            name=self.name.strip(),
            source_id=self.race_id,
            kind="virtual",
            date=iso_date(self.launch_time_ms),
            race_type=self.race_type,
            division=self.division,
            launch_time_ms=self.launch_time_ms,
        )


def iso_date(epoch_ms: int | None) -> str:
    if epoch_ms is None:
        return ""
    return dt.datetime.fromtimestamp(epoch_ms / 1000, tz=dt.UTC).date().isoformat()


def _int_or_none(value: str) -> int | None:
    try:
        return int(float(value)) if value.strip() else None
    except ValueError:
        return None


def parse_leaderboards(text: str, source: str) -> tuple[list[LeaderboardRace], list[ImportProblem]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise ImportFormatError(
            "{source}:1: got a header the CSV reader cannot take ({exc})", source=source, exc=exc
        ) from None
    if not fieldnames or "Arn" not in fieldnames:
        raise ImportFormatError(
            "{source}:1: got {fieldnames}, expected an Arn column",
            source=source,
            fieldnames=fieldnames,
        )
    races: list[LeaderboardRace] = []
    problems: list[ImportProblem] = []
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            reason = f"got a row the CSV reader cannot take ({exc}), expected fields under 128 KB"
            problems.append(ImportProblem(source, reader.line_num, reason))
            continue
        arn = (record.get("Arn") or "").strip()
        if "/" not in arn:
            problems.append(ImportProblem(source, reader.line_num, f"Arn: got {arn!r}"))
            continue
        races.append(
            LeaderboardRace(
                race_id=arn.rsplit("/", 1)[1],
                name=(record.get("Name") or "").strip(),
                race_type=(record.get("RaceType") or "").strip(),
                timing_method=(record.get("TimingMethod") or "").strip(),
                division=(record.get("RacingDivision") or "").strip(),
                launch_time_ms=_int_or_none(record.get("LaunchTime") or ""),
                participants=_int_or_none(record.get("ParticipantCount") or ""),
            )
        )
    return races, problems


def select_races(
    races: list[LeaderboardRace], name_filter: str, has_file: Callable[[str], bool]
) -> list[LeaderboardRace]:
    """Races whose name matches `name_filter` (a case-insensitive regex) and whose file exists."""
    pattern = re.compile(name_filter or ".*", re.IGNORECASE)
    return [r for r in races if pattern.search(r.name) and has_file(r.race_id)]
