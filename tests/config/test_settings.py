"""Typed settings: examples load, defaults are sane, bad values name file, key and value."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lapgate.board.cli import cli
from lapgate.config import GpioGate, load_settings, settings_from_dict
from lapgate.timer.errors import ConfigError
from lapgate.timer.events import StartMode
from lapgate.timer.formats import FormatKind
from lapgate.timer.units import NS_PER_S

# Settings files; other example files (prize rules) have schemas of their own.
EXAMPLES = sorted(
    path
    for path in (Path(__file__).resolve().parents[2] / "config" / "examples").glob("*.toml")
    if not path.name.startswith("prizes")
)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_config_is_valid(path: Path) -> None:
    load_settings(path)


def test_summit_example_wires_the_community_gate() -> None:
    settings = load_settings(Path(__file__).resolve().parents[2] / "config/examples/summit.toml")
    gate = settings.gate[0]
    assert isinstance(gate, GpioGate)
    assert gate.pins_bcm == [17, 27]


def test_defaults_match_the_domain_rules() -> None:
    settings = settings_from_dict({})
    run = settings.round.run_config()
    assert run.time_limit_ns == 120 * NS_PER_S
    assert run.lockout_ns == 3 * NS_PER_S
    assert run.grace_ns == 60 * NS_PER_S
    assert run.start_mode is StartMode.FIRST_CROSSING
    assert run.max_resets_per_lap is None
    assert settings.round.format is FormatKind.FASTEST_LAP
    assert settings.round.average_laps == 3
    assert settings.board.staff_password_hash == ""


def test_average_format_carries_its_lap_count() -> None:
    settings = settings_from_dict({"round": {"format": "average", "average_laps": 5}})
    assert settings.round.ranking_format().laps == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"round": {"time_limit_s": 5}},
            "demo.toml:round.time_limit_s: got 5, expected greater than or equal to 10",
        ),
        ({"round": {"formatt": "x"}}, "demo.toml:round.formatt: got 'x', expected no such key"),
        ({"round": {"average_laps": 11}}, "demo.toml:round.average_laps: got 11, expected less"),
        (
            {"gate": [{"kind": "gpio", "pins_bcm": [40]}]},
            "demo.toml:gate[0].pins_bcm[0]: got 40, expected less than or equal to 27",
        ),
        ({"gate": [{"kind": "laser"}]}, "demo.toml:gate[0]: got"),
        ({"track": [{"gate": "nope"}]}, "names gate 'nope'"),
        (
            {"board": {"staff_password_hash": "hunter2"}},
            "demo.toml:board.staff_password_hash: got 'hunter2', expected",
        ),
        ({"round": {"max_resets_per_lap": "lots"}}, "round.max_resets_per_lap"),
    ],
)
def test_bad_values_name_file_key_value_and_expectation(data: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_dict(data, source="demo.toml")
    assert message in str(caught.value)


def test_toml_syntax_errors_and_missing_files_are_config_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[round\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "missing.toml")


def test_check_config_prints_the_effective_settings(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[round]\nformat = "average"\n')
    result = CliRunner().invoke(cli, ["check-config", str(path)])
    assert result.exit_code == 0, result.output
    assert 'format = "average"' in result.output
    assert "time_limit_s = 120" in result.output
    reloaded = tmp_path / "effective.toml"
    reloaded.write_text(result.output)
    assert load_settings(reloaded).round.format is FormatKind.AVERAGE


@pytest.mark.parametrize(
    ("bracket", "expected_reset"),
    [
        ({"bracket": "double", "stop_at": 1}, True),  # to a single champion: reset by default
        ({}, True),  # the defaults are double elimination to a champion
        ({"bracket": "double", "stop_at": 3}, False),  # stops before any grand final
        ({"bracket": "single", "stop_at": 1}, False),  # no grand final at all
        ({"bracket": "double", "stop_at": 1, "grand_final_reset": False}, False),  # explicit
        ({"bracket": "double", "stop_at": 3, "grand_final_reset": True}, True),
    ],
)
def test_grand_final_reset_defaults_to_double_elimination_to_one_champion(
    bracket: dict, expected_reset: bool
) -> None:
    round_table = {"name": "Final", "kind": "bracket", "stop_at": 1, **bracket}
    settings = settings_from_dict({"rounds": [{"name": "Q"}, round_table]})
    rules = settings.event_plan().round("Final").bracket
    assert rules is not None and rules.grand_final_reset is expected_reset


def test_championship_example_keeps_its_bracket_without_a_reset() -> None:
    path = Path(__file__).resolve().parents[2] / "config/examples/championship.toml"
    rules = load_settings(path).event_plan().round("Final 8").bracket
    assert rules is not None
    assert (rules.stop_at, rules.grand_final_reset) == (3, False)


def test_hash_password_refuses_short_passwords() -> None:
    result = CliRunner().invoke(cli, ["hash-password", "--password", "short"])
    assert result.exit_code != 0
    ok = CliRunner().invoke(cli, ["hash-password", "--password", "long enough pw"])
    assert ok.exit_code == 0 and ok.output.startswith("scrypt:")
