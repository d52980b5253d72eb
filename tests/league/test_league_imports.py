"""Tolerant results import: header variants, bad rows with file:line, formula guards."""

from __future__ import annotations

import pytest

from lapgate.board.league.imports import ImportFormatError, parse_leaderboards, parse_results

STANDARD = (
    "Alias,SubmissionTime,LapCount,AvgLapTime,BestLapTime,TotalLapTime,AvgResets,"
    "CollisionCount,OffTrackCount,ResetCount,SubmissionCount,Rank,"
    "LeaderboardSubmissionStatusType,RankingScore,RacingDivision,UserId\n"
    "JJ,1630115947766,3,18739,18599,56218,0.0,0,0,0,5011,1,SUCCESS,56218,PRO,afdc\n"
    "Karl,1629006108695,3,19029,18801,57087,0.0,0,0,0,6295,2,SUCCESS,57087,PRO,4vOO\n"
)


def test_standard_file() -> None:
    parsed = parse_results(STANDARD, "race.csv")
    assert parsed.problems == ()
    first = parsed.rows[0]
    assert (first.alias, first.user_id, first.rank, first.ranking_time_ms) == (
        "JJ",
        "afdc",
        1,
        56218,
    )
    assert (first.best_lap_ms, first.lap_count, first.submission_count) == (18599, 3, 5011)
    assert first.extra["RacingDivision"] == "PRO"
    assert first.line == 2


def test_rank_first_float_ms_team_name_and_odd_header_case() -> None:
    text = (
        "rank,user_id,Alias,TeamName,best lap time,AVGLAPTIME,LapCount,RankingScore\n"
        "1,u1,Ada,Team A,25604.0,25700.5,1,25604.0\n"
        "2,u2,Bob,,26730.25,26731.0,1,26730.25\n"
    )
    parsed = parse_results(text, "x.csv")
    assert parsed.problems == ()
    assert [(r.rank, r.user_id, r.alias) for r in parsed.rows] == [
        (1, "u1", "Ada"),
        (2, "u2", "Bob"),
    ]
    assert parsed.rows[1].ranking_time_ms == 26730.25
    assert parsed.rows[0].avg_lap_ms == 25700.5
    assert parsed.rows[0].extra == {"TeamName": "Team A"}


def test_without_rank_or_ranking_score_file_order_and_best_lap_rank() -> None:
    parsed = parse_results("Alias,BestLapTime\nAda,9000\nBob,9100\n", "x.csv")
    assert [(r.rank, r.ranking_time_ms) for r in parsed.rows] == [(1, 9000), (2, 9100)]


def test_bad_rows_are_reported_with_file_line_and_reason_good_rows_kept() -> None:
    text = (
        "Rank,Alias,UserId,RankingScore,LapCount\n"
        "1,Ada,u1,10000,3\n"
        "2,,u2,11000,3\n"  # line 3: no alias
        "x,Cy,u3,12000,3\n"  # line 4: bad rank
        "4,Dee,u4,fast,3\n"  # line 5: bad time
        "5,Eve,u5\n"  # line 6: short row
        "6,Fay,u6,-5,3\n"  # line 7: negative time
        "7,Gus,u7,13000,2.5\n"  # line 8: fractional lap count
        "8,Hal,u8,14000,3\n"
    )
    parsed = parse_results(text, "bad.csv")
    assert [r.alias for r in parsed.rows] == ["Ada", "Hal"]
    shown = [str(p) for p in parsed.problems]
    assert shown[0].startswith("bad.csv:3: Alias")
    assert shown[1].startswith("bad.csv:4: Rank: got 'x'")
    assert shown[2].startswith("bad.csv:5: RankingScore: got 'fast'")
    assert shown[3] == "bad.csv:6: got 3 fields, expected 5 as in the header"
    assert shown[4].startswith("bad.csv:7: RankingScore")
    assert shown[5].startswith("bad.csv:8: LapCount")


def test_no_lap_sentinel_means_no_ranking_time() -> None:
    text = "Rank,Alias,UserId,LapCount,RankingScore\n16,Zed,u9,0,9223372036854775731\n"
    [row] = parse_results(text, "x.csv").rows
    assert (row.rank, row.ranking_time_ms) == (16, None)


def test_formula_guard_from_an_export_is_undone() -> None:
    text = "Rank,Alias,UserId,RankingScore\n1,'=cmd,'+u1,1000\n2,'plain,u2,2000\n"
    rows = parse_results(text, "x.csv").rows
    assert (rows[0].alias, rows[0].user_id) == ("=cmd", "+u1")
    assert rows[1].alias == "'plain"


def test_files_that_are_not_results_fail_clearly() -> None:
    with pytest.raises(ImportFormatError, match="empty file"):
        parse_results("", "e.csv")
    with pytest.raises(ImportFormatError, match="expected an Alias column"):
        parse_results("Foo,Bar\n1,2\n", "f.csv")


def test_leaderboards_rows_give_race_ids_and_metadata() -> None:
    text = (
        "Rank,Arn,Name,LaunchTime,RaceType,RacingDivision,ParticipantCount\n"
        "60,arn:aws:deepracer:us-east-1::leaderboard/86eb6d2e-72ad,March Qualifier,"
        "1614563400000,HEAD_TO_HEAD_RACING,PRO,70\n"
        "61,broken,X,,,,\n"
    )
    races, problems = parse_leaderboards(text, "lb.csv")
    assert [(r.race_id, r.name, r.race_type, r.division) for r in races] == [
        ("86eb6d2e-72ad", "March Qualifier", "HEAD_TO_HEAD_RACING", "PRO")
    ]
    assert races[0].meta("2021").date == "2021-03-01"
    assert [str(p) for p in problems] == ["lb.csv:3: Arn: got 'broken'"]
