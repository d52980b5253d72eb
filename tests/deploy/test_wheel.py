"""The wheel as a user gets it: `pip install` into a fresh venv, no editable install.

The wheel is built from a copy of this checkout and installed with the pinned versions
(requirements/constraints.txt) from the package index pip is configured with, as
deploy/install-pi.sh does. Checked: one import package, `lapgate`, in site-packages (no
`board` beside Adafruit Blinka's, no `config`, `hardware` or `timer`), `python -m lapgate`,
and `lapgate demo` serving the big screen and the phone page from the installed templates,
static files and migrations.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tomllib
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_support import CONSTRAINTS, run

from lapgate.board.store.migrate import head_revision
from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

OLD_TOP_LEVEL = ("board", "config", "hardware", "timer")
# folder of the checkout → where the wheel puts it
PACKAGE_DIRS = {folder: f"lapgate/{folder}" for folder in OLD_TOP_LEVEL} | {"lapgate": "lapgate"}
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis",
    "lapgate-data", "lapgate-demo",
)  # fmt: skip
with (ROOT / "pyproject.toml").open("rb") as _file:
    VERSION = tomllib.load(_file)["project"]["version"]


def clean_env() -> dict[str, str]:
    """This process's environment without anything pointing Python at the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)  # a build leaves build/ in its source
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(work), str(source)])
    (built,) = work.glob("lapgate-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin/python"), "-m", "pip", "install", "--quiet"]
    run([*pip, "-c", str(CONSTRAINTS), str(wheel)], cwd=venv)
    return venv


def site_packages(venv: Path) -> Path:
    (found,) = venv.glob("lib/python3*/site-packages")
    return found


def test_the_wheel_holds_lapgate_its_data_and_migrations(wheel: Path) -> None:
    dist_info = f"lapgate-{VERSION}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"{dist_info}/METADATA").decode()
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    assert {name.split("/")[0] for name in names} == {"lapgate", dist_info}
    for folder, target in PACKAGE_DIRS.items():
        files = {
            f"{target}/{path.relative_to(ROOT / folder).as_posix()}"
            for path in (ROOT / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
        assert not files - names, f"{folder}/: not in the wheel: {sorted(files - names)}"
    versions = {path.name for path in (ROOT / "board/migrations/versions").glob("*.py")}
    assert versions
    assert {f"lapgate/board/migrations/versions/{name}" for name in versions} <= names
    assert {"lapgate/board/alembic.ini", "lapgate/board/migrations/env.py"} <= names
    assert not [name for name in names if name.endswith(".pyc")]
    assert "License-Expression: MIT" in metadata
    assert f"{dist_info}/licenses/LICENSE" in names
    assert "tqdm" not in metadata
    assert "lapgate = lapgate.board.cli:main" in entry_points


def test_site_packages_gains_lapgate_and_no_generic_top_level_name(venv: Path) -> None:
    site = site_packages(venv)
    for name in OLD_TOP_LEVEL:
        assert not (site / name).exists() and not (site / f"{name}.py").exists(), name
    finds = "; ".join(f"print(u.find_spec({name!r}))" for name in OLD_TOP_LEVEL)
    probe = f"import importlib.util as u, lapgate.board; print(lapgate.board.__file__); {finds}"
    out = run([str(venv / "bin/python"), "-c", probe], cwd=venv, env=clean_env()).splitlines()
    assert Path(out[0]).is_relative_to(site)  # the installed copy, not this checkout
    assert out[1:] == ["None"] * len(OLD_TOP_LEVEL)


def test_python_dash_m_lapgate_runs_the_command_line(venv: Path) -> None:
    out = run([str(venv / "bin/python"), "-m", "lapgate", "--help"], cwd=venv, env=clean_env())
    assert "demo" in out and "check-config" in out
    version = run([str(venv / "bin/lapgate"), "--version"], cwd=venv, env=clean_env())
    assert VERSION in version


@pytest.fixture
def demo(venv: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`lapgate demo` from the venv on a free port: (its base URL, its data folder)."""
    data = tmp_path / "demo"
    command = [str(venv / "bin/lapgate"), "demo", "--port", "0", "--data", str(data)]
    with subprocess.Popen(
        command,
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        lines: list[str] = []
        try:
            for line in process.stdout:  # the demo prints its URLs once it is serving
                lines.append(line)
                found = re.search(r"Big screen: (http://\S+)/$", line.rstrip())
                if found:
                    yield found.group(1), data
                    break
            else:
                pytest.fail("lapgate demo stopped before serving:\n" + "".join(lines))
        finally:
            process.send_signal(signal.SIGINT)  # Ctrl+C, as a person stops it
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


def test_demo_from_the_wheel_serves_the_board(demo: tuple[str, Path]) -> None:
    base, data = demo
    for page in ("/", "/m"):
        status, html = fetch(base + page)
        assert status == 200, page
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)  # templates from the wheel
        assert any(asset.split("?")[0].endswith(".css") for asset in assets), (
            f"{page}: no stylesheet"
        )
        for asset in assets:
            assert fetch(base + asset)[0] == 200, asset  # static files from the wheel
    (database,) = data.glob("*.sqlite3")  # the store opened it before the board served
    with sqlite3.connect(database) as conn:  # the schema comes from the wheel's migrations
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == head_revision()
