"""DREM-compatible CSVs (headers byte for byte, formula guard, lap statistics) and the
printed pages, from a small summit in a SQLite store, through `export_file` and
`lapgate export`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from lapgate.board.cli import cli
from lapgate.board.domain import EventInfo, Racer, RoundInfo, RunInfo
from lapgate.board.league.event_export import ExportError, export_file
from lapgate.board.store.sql import SqlStore
from lapgate.timer.events import AdjustResets, Crossing, GateCrossing, InvalidateLap, RunEvent
from lapgate.timer.formats import Format
from lapgate.timer.run import RunConfig, RunLog
from lapgate.timer.staff import record
from lapgate.timer.units import NS_PER_S

CONFIG = RunConfig()
LAPS_HEADER = (
    b"Race ID,Username,User ID,Track,Raced By Proxy,Race Date,Lap #,Lap Time (ms),"
    b"Lap Time (s),Resets,Valid\n"
)
SUMMARY_HEADER = (
    b"Username,User ID,Track,Races,Total Laps,Valid Laps,Invalid Laps,Fastest Lap (ms),"
    b"Fastest Lap (s),Avg Lap (ms),Avg Lap (s),Total Resets,Completion Ratio (%)\n"
)


def add_run(store: SqlStore, round_id: str, racer_id: str, seq: int, laps_s: list[float]) -> None:
    """A run whose laps take `laps_s`; its second lap gets a reset, its third is invalid."""
    run_id = f"{round_id}-{seq}"
    store.create_run(RunInfo(run_id, round_id, racer_id, seq, CONFIG, proxy=seq == 2))
    log, t_s = RunLog(CONFIG), 1.0
    events: list[RunEvent] = []
    for lap_s in [0.0, *laps_s]:
        t_s += lap_s
        events.append(GateCrossing(Crossing("finish", round(t_s * NS_PER_S), "g")))
    if len(laps_s) >= 2:
        events.append(AdjustResets(round((1.0 + laps_s[0] + 0.5) * NS_PER_S), +1))
    if len(laps_s) >= 3:
        events.append(InvalidateLap(round((1.0 + sum(laps_s[:2]) + 0.5) * NS_PER_S)))
    for event in events:
        log = record(log, event)
        store.append_event(run_id, log.next_id - 1, event)


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    store = SqlStore(f"sqlite:///{tmp_path / 'summit.db'}")
    store.save_event(EventInfo("e", "2026", "Print Summit", date="2026-05-02", venue="Hall 3"))
    store.save_round(RoundInfo("q", "e", "north", "Qualifying", 1, Format(), CONFIG))
    store.save_round(RoundInfo("f", "e", "north", "Final", 2, Format.average(2), CONFIG))
    store.save_racer(Racer("a", "Ada Lovelap", user_id="u-1"))
    store.save_racer(Racer("b", "=HYPERLINK(1)"))
    store.save_racer(Racer("c", "Ŝtefan Ñuñez Δρόμος Гонщик"))
    add_run(store, "q", "a", 1, [10.0, 10.5, 9.0])
    add_run(store, "q", "b", 2, [11.0])
    add_run(store, "q", "c", 3, [12.0, 12.25])
    add_run(store, "f", "a", 1, [10.0, 10.25])
    add_run(store, "f", "c", 2, [11.0, 11.5])
    return store


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_drem_laps_csv_has_drems_header_and_one_row_per_lap(store: SqlStore) -> None:
    body = export_file(store, "Print Summit", "drem-laps-csv")
    assert body.startswith(LAPS_HEADER)
    laps = rows(body)
    assert len(laps) == 3 + 1 + 2 + 2 + 2
    first = laps[0]
    assert (first["Race ID"], first["Username"], first["User ID"], first["Track"]) == (
        "q-1",
        "Ada Lovelap",
        "u-1",
        "north",
    )
    assert (first["Race Date"], first["Lap #"], first["Lap Time (ms)"]) == (
        "2026-05-02",
        "1",
        "10000",
    )
    assert [(r["Lap Time (s)"], r["Resets"], r["Valid"]) for r in laps[:3]] == [
        ("10.000", "0", "true"),
        ("10.500", "1", "true"),
        ("9.000", "0", "false"),
    ]
    assert laps[3]["Username"] == "'=HYPERLINK(1)"  # formula guard
    assert laps[3]["Raced By Proxy"] == "true"


def test_drem_summary_csv_counts_per_racer_and_track(store: SqlStore) -> None:
    body = export_file(store, "e", "drem-summary-csv")
    assert body.startswith(SUMMARY_HEADER)
    by_alias = {r["Username"]: r for r in rows(body)}
    ada = by_alias["Ada Lovelap"]
    assert (ada["Races"], ada["Total Laps"], ada["Valid Laps"], ada["Invalid Laps"]) == (
        "2",
        "5",
        "4",
        "1",
    )
    assert (ada["Fastest Lap (ms)"], ada["Fastest Lap (s)"]) == ("10000", "10.000")
    assert (ada["Avg Lap (ms)"], ada["Avg Lap (s)"]) == ("10188", "10.188")  # 40.75 s / 4
    assert (ada["Total Resets"], ada["Completion Ratio (%)"]) == ("2", "80.0")
    assert "'=HYPERLINK(1)" in by_alias
    assert by_alias["Ŝtefan Ñuñez Δρόμος Гонщик"]["Completion Ratio (%)"] == "100.0"


def test_a_round_alone_and_an_imported_race_refuse_laps(store: SqlStore) -> None:
    final = rows(export_file(store, "e", "drem-laps-csv", round_key="Final"))
    assert {r["Race ID"] for r in final} == {"f-1", "f-2"}
    with pytest.raises(ExportError, match="'Semi'"):
        export_file(store, "e", "drem-summary-csv", round_key="Semi")


def texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_each_print_kind_has_its_pages(store: SqlStore) -> None:
    results = texts(export_file(store, "e", "pdf", kind="results"))
    assert ["Final classification" in results[0], len(results)] == [True, 3]
    for word in ("Ŝtefan", "Ñuñez", "Δρόμος", "Гонщик"):  # the DejaVu fonts have their glyphs
        assert word in results[0]
    assert "Hall 3" in results[0] and "2026-05-02" in results[0]
    podium = texts(export_file(store, "e", "pdf", kind="podium"))
    assert len(podium) == 3 and "1st" in podium[0]
    certificates = texts(export_file(store, "e", "pdf", kind="certificates"))
    assert len(certificates) == 3
    assert "1st place at Print Summit" in certificates[0]
    assert "for taking part" not in "".join(certificates)
    summary = texts(export_file(store, "e", "pdf", kind="summary"))
    assert len(summary) == 1
    assert "north" in summary[0] and "Completion ratio" in summary[0]
    assert "10.000 s (Ada Lovelap)" in summary[0]  # fastest valid lap (9.0 s was invalid)
    everything = texts(export_file(store, "e", "pdf", round_key="Final"))
    assert len(everything) == 1 + 1 + 2 + 1
    assert all("Print Summit · Final" in t for t in everything)


def test_lapgate_export_writes_pdf_and_drem_files(store: SqlStore, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'summit.db'}"
    runner = CliRunner()
    out = tmp_path / "summary.pdf"
    args = ["export", "--db", db, "--event", "Print Summit", "--format", "pdf"]
    result = runner.invoke(cli, [*args, "--kind", "summary", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-") and len(texts(out.read_bytes())) == 1
    result = runner.invoke(
        cli, ["export", "--db", db, "--event", "e", "--format", "drem-summary-csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(SUMMARY_HEADER)
    result = runner.invoke(cli, ["export", "--db", db, "--event", "e", "--format", "final-csv"])
    assert result.stdout.startswith("Rank,Alias,UserId,")


def test_the_print_page_has_one_sheet_per_pdf_page_and_escapes_aliases(store: SqlStore) -> None:
    store.save_racer(Racer("x", "<script>alert(1)</script>"))
    add_run(store, "q", "x", 4, [13.0])
    page = export_file(store, "e", "html").decode("utf-8")
    pdf_pages = len(texts(export_file(store, "e", "pdf")))
    assert page.count('<section class="sheet') == pdf_pages
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "@page landscape" in page and "Certificate of Achievement" in page
    summary = export_file(store, "e", "html", kind="summary").decode("utf-8")
    assert summary.count('<section class="sheet') == 1 and "10.000 s (Ada Lovelap)" in summary
