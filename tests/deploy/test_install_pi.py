"""deploy/install-pi.sh, exercised in a folder (--root) on this Debian machine.

What runs here: argument handling, the user/group entries, folders, the initial config,
the systemd unit (checked by `systemd-analyze verify`), the kiosk autostart entry,
idempotency, and (slow) the virtual environment with lapgate installed from this checkout.
What cannot run here: apt on Raspberry Pi OS, useradd on a real Pi, systemctl, lgpio on a
real GPIO chip, Chromium on the Pi's HDMI output (see docs/raspberry-pi.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from deploy_support import CONSTRAINTS, normalized, pins, run

from tests.conftest import ROOT, require

SCRIPT = ROOT / "deploy" / "install-pi.sh"
DIRECT_DEPENDENCY_VERSIONS = """
import json, re
from importlib import metadata
requires = [r for r in metadata.requires("lapgate") or [] if "extra ==" not in r]
names = {re.split(r"[^A-Za-z0-9._-]", r, maxsplit=1)[0] for r in requires}
print(json.dumps({name: metadata.version(name) for name in names}))
"""


def install(root: Path, *extra: str) -> str:
    result = subprocess.run(
        ["bash", str(SCRIPT), "--root", str(root), "--no-apt", *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def test_install_writes_unit_user_config_and_kiosk_then_changes_nothing(tmp_path: Path) -> None:
    first = install(tmp_path, "--no-venv", "--kiosk")
    unit = (tmp_path / "etc/systemd/system/lapgate.service").read_text()
    assert "Restart=always" in unit
    assert "WorkingDirectory=/var/lib/lapgate" in unit
    assert "Environment=LG_WD=/var/lib/lapgate" in unit
    assert "ExecStart=/opt/lapgate/venv/bin/lapgate run --config /etc/lapgate/lapgate.toml" in unit
    assert "StandardOutput=journal" in unit
    group = (tmp_path / "etc/group").read_text()
    assert "gpio:x:997:lapgate" in group
    kiosk = (tmp_path / "etc/xdg/autostart/lapgate-kiosk.desktop").read_text()
    assert "--kiosk" in kiosk and "http://127.0.0.1:5000/" in kiosk
    config = tmp_path / "etc/lapgate/lapgate.toml"
    assert 'data_dir = "/var/lib/lapgate"' in config.read_text()
    assert "changed:" in first

    config.write_text(config.read_text() + "\n# edited by staff\n")
    second = install(tmp_path, "--no-venv", "--kiosk")
    assert "nothing changed" in second
    assert config.read_text().endswith("# edited by staff\n")


def test_unknown_option_is_refused_with_a_pointer_to_help(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", str(SCRIPT), "--frobnicate"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "unknown option --frobnicate" in result.stderr


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    require(analyze is not None, "systemd-analyze (Debian package systemd)")
    install(tmp_path, "--no-venv")
    unit = (tmp_path / "etc/systemd/system/lapgate.service").read_text()
    # The binary does not exist on this machine: point ExecStart at one that does.
    checked = tmp_path / "lapgate.service"
    checked.write_text(unit.replace("/opt/lapgate/venv/bin/lapgate", "/bin/true"))
    result = subprocess.run(
        [str(analyze), "verify", str(checked)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_the_virtual_environment_runs_lapgate_at_the_pinned_versions(tmp_path: Path) -> None:
    install(tmp_path)
    venv = tmp_path / "opt/lapgate/venv/bin"
    result = subprocess.run(
        [str(venv / "lapgate"), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "check-config" in result.stdout
    # lapgate's own dependencies as the venv sees them (some may come from the system's
    # site-packages when they already are at the pinned version)
    versions = json.loads(run([str(venv / "python"), "-c", DIRECT_DEPENDENCY_VERSIONS]))
    installed = {normalized(name): version for name, version in versions.items()}
    pinned = pins(CONSTRAINTS.read_text(encoding="utf-8"))
    assert "flask" in installed
    off = {name: (v, pinned.get(name)) for name, v in installed.items() if pinned.get(name) != v}
    assert not off, f"installed (version, pinned version): {off}"
