"""The SVG charts: escaping of user text, and the marks each figure draws (parsed back)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lapgate.board.charts.distribution import distribution_svg
from lapgate.board.charts.figures import (
    Distribution,
    LapPoint,
    Progression,
    RunChart,
    SeasonRace,
    lap_text,
    points_label,
    seconds_label,
)
from lapgate.board.charts.run_chart import run_laps_svg
from lapgate.board.charts.season import progression_svg
from lapgate.board.charts.style import SIZES, THEMES, SizeName, ThemeName, size_of, theme_of
from lapgate.board.charts.svg import Svg, escape

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(\"x\")</script> & 'quoted' \x01\x0b]]>"
PHONE, LIGHT = SIZES[SizeName.PHONE], THEMES[ThemeName.LIGHT]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def marks(root: ET.Element, tag: str, css: str) -> list[ET.Element]:
    return [e for e in root.iter(NS + tag) if css in (e.get("class") or "").split()]


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(NS + "text")]


def test_escape_makes_markup_text_and_drops_what_xml_cannot_hold() -> None:
    assert escape('<b a="1">&') == "&lt;b a=&quot;1&quot;&gt;&amp;"
    assert escape("Zoë\x00\x08 ok\t") == "Zoë ok\t"
    assert escape(42) == "42"


@given(st.text(max_size=80))
def test_any_text_in_any_element_keeps_the_document_well_formed(text: str) -> None:
    svg = Svg(100, 50, text)
    svg.text(1, 2, text, 10, "#000")
    svg.add("rect", x=0.0, y=0.0, width=1.0, height=1.0, class_=text)
    root = parse(svg.render())
    assert [e.tag for e in root] == [NS + "title", NS + "text", NS + "rect"]


def test_a_hostile_racer_alias_is_text_in_every_chart() -> None:
    laps = [LapPoint(1, 8000, True), LapPoint(2, 8100, False, 1)]
    for svg in (
        run_laps_svg(RunChart(HOSTILE, laps, 1), PHONE, LIGHT),
        distribution_svg(Distribution(HOSTILE, [8000, 8100]), PHONE, LIGHT),
        progression_svg(Progression(HOSTILE, [SeasonRace(HOSTILE, 1, 10)]), PHONE, LIGHT),
    ):
        root = parse(svg)
        assert not list(root.iter(NS + "script"))
        assert "<script" not in svg
        shown = " ".join(texts(root)) + root.get("aria-label", "")
        assert "<script>" in shown  # written out as text, not dropped


def run_chart() -> RunChart:
    laps = [
        LapPoint(1, 8_400, True),
        LapPoint(2, 8_100, True),
        LapPoint(3, 7_900, True),  # best
        LapPoint(4, 31_000, False, 3),  # a crash: clipped at the top
        LapPoint(5, 8_200, True, 1),
        LapPoint(6, 8_000, True),
        LapPoint(7, 8_050, True),
        LapPoint(8, 9_000, False, 2),
    ]
    return RunChart("Alice · run 2", laps, 3, (5, 6, 7), 8_083, 3)


@pytest.mark.parametrize("size", list(SizeName))
@pytest.mark.parametrize("theme", list(ThemeName))
def test_run_chart_marks_each_lap_the_best_lap_the_window_and_resets(
    size: SizeName, theme: ThemeName
) -> None:
    root = parse(run_laps_svg(run_chart(), SIZES[size], THEMES[theme]))
    assert len(marks(root, "circle", "valid")) == 6
    assert len(marks(root, "circle", "best")) == 1
    assert len(marks(root, "circle", "invalid")) == 1  # lap 8; lap 4 is an arrow
    assert len(marks(root, "path", "clipped")) == 1
    assert len(marks(root, "rect", "window")) == 1
    assert [e.text for e in marks(root, "text", "reset")] == ["↺3", "↺1", "↺2"]
    shown = texts(root)
    assert "7.900" in shown and "31.000" in shown  # the best lap's and the clipped lap's time
    assert "best 7.900 · avg3 8.083" in shown
    assert THEMES[theme].background in {e.get("fill") for e in root.iter(NS + "rect")}


def test_the_best_window_band_covers_exactly_its_laps() -> None:
    root = parse(run_laps_svg(run_chart(), PHONE, LIGHT))
    band = marks(root, "rect", "window")[0]
    left, right = float(band.get("x", 0)), float(band.get("x", 0)) + float(band.get("width", 0))
    xs = {
        round(float(c.get("cx", 0))): c
        for c in root.iter(NS + "circle")
        if "lap" in (c.get("class") or "")
    }
    inside = sorted(x for x in xs if left < x < right)
    assert len(inside) == 3


def test_an_empty_run_says_so() -> None:
    root = parse(run_laps_svg(RunChart("Bob · run 1", []), PHONE, LIGHT))
    assert "No laps yet" in texts(root)


def test_distribution_counts_every_valid_lap_once() -> None:
    values = [7_950, 8_020, 8_110, 8_130, 8_240, 8_300, 8_310, 8_420, 8_900, 30_000]
    root = parse(
        distribution_svg(Distribution("Round 1", values, 4), SIZES[SizeName.TABLET], LIGHT)
    )
    bins = marks(root, "rect", "bin")
    assert len(marks(root, "rect", "best")) == 1
    assert len(marks(root, "rect", "slower")) == 1  # the 30 s lap, apart
    assert "10 valid laps · 4 invalid not shown" in texts(root)
    assert any(t.startswith("median 8.270") for t in texts(root))
    assert len(bins) >= 3
    assert "No valid laps yet" in texts(
        parse(distribution_svg(Distribution("R", []), PHONE, LIGHT))
    )


def test_progression_has_a_dot_per_race_and_the_season_total() -> None:
    races = [SeasonRace("Jan", 1, 10), SeasonRace("Feb", None, 0), SeasonRace("Mar", 12, 1)]
    root = parse(progression_svg(Progression("Alice", races), PHONE, LIGHT))
    assert len(marks(root, "circle", "race")) == 3
    shown = texts(root)
    assert "11 points in 3 races" in shown
    assert "#1" in shown and "#12" in shown
    assert "No races this season" in texts(parse(progression_svg(Progression("A"), PHONE, LIGHT)))


def test_labels() -> None:
    assert lap_text(13_393) == "13.393" and lap_text(62_345) == "1:02.345"
    assert seconds_label(7_500, 500) == "7.5" and seconds_label(8_000, 1_000) == "8"
    assert seconds_label(7_250, 50) == "7.25"
    assert seconds_label(12_500, 2_500) == "12.5"  # a 2.5 s step needs its decimal
    assert seconds_label(7_500, 2_500) == "7.5" and seconds_label(10_000, 2_500) == "10.0"
    assert points_label(42) == "42" and points_label(-1_250_000) == "-1.25M"
    assert points_label(-12_345) == "-12.3k" and points_label(7.5) == "7.5"


def test_sizes_and_themes_by_name_and_clear_errors() -> None:
    assert size_of("screen").font_px >= 28  # legible at 10 m
    assert theme_of("dark") is THEMES[ThemeName.DARK]
    with pytest.raises(ValueError, match=r"size: got 'huge', expected one of \['phone'"):
        size_of("huge")
    with pytest.raises(ValueError, match="theme: got 'pink'"):
        theme_of("pink")
