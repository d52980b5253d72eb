"""pyproject.toml against the tree and the environment, fast (the wheel itself: test_wheel.py).

- Every folder of the package (data folders too) is in `[tool.setuptools] packages`:
  setuptools builds a wheel without a folder missing there, and only the slow wheel test
  would notice.
- The environment the tests run in is the one requirements/constraints.txt pins: every
  distribution lapgate and its test extra need is pinned, at the installed version. CI's
  environment is therefore what deploy/install-pi.sh installs on a Pi.
"""

from __future__ import annotations

import tomllib
from importlib import metadata

from deploy_support import CONSTRAINTS, normalized, pins
from packaging.requirements import Requirement

from tests.conftest import ROOT

# `pip freeze` leaves out the installer's own packages (colorzero needs setuptools, which
# every Python 3.11 venv already has).
FREEZE_LEAVES_OUT = ("pip", "setuptools", "wheel", "distribute")


def setuptools_config() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        config: dict[str, object] = tomllib.load(file)["tool"]["setuptools"]
    return config


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = setuptools_config()
    package_dir = config["package-dir"]
    assert isinstance(package_dir, dict)
    found = set(package_dir)
    for name, folder in package_dir.items():
        for path in (ROOT / folder).rglob("*"):
            parts = path.relative_to(ROOT / folder).parts
            if path.is_dir() and not any(p == "__pycache__" or p.startswith(".") for p in parts):
                found.add(".".join([name, *parts]))
    packages = config["packages"]
    assert isinstance(packages, list)
    assert sorted(found) == sorted(packages)


def needed_distributions() -> dict[str, str]:
    """{name: installed version} of what `lapgate[test]` needs here, transitively."""
    needed: dict[str, str] = {}
    todo = [("lapgate", frozenset({"test"}))]
    seen = set(todo)
    while todo:
        name, extras = todo.pop()
        for text in metadata.distribution(name).requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker and not any(marker.evaluate({"extra": e}) for e in extras | {""}):
                continue
            needed[normalized(requirement.name)] = metadata.version(requirement.name)
            follow = (requirement.name, frozenset(requirement.extras))
            if follow not in seen:
                seen.add(follow)
                todo.append(follow)
    for name in ("lapgate", *FREEZE_LEAVES_OUT):
        needed.pop(name, None)
    return needed


def test_the_test_environment_is_the_pinned_one() -> None:
    pinned = pins(CONSTRAINTS.read_text(encoding="utf-8"))
    needed = needed_distributions()
    assert "flask" in needed and "pytest" in needed
    unpinned = sorted(set(needed) - set(pinned))
    assert not unpinned, f"not in {CONSTRAINTS.name}: {unpinned}; run `make constraints`"
    off = {name: (v, pinned[name]) for name, v in needed.items() if pinned[name] != v}
    assert not off, f"installed (version, pinned version): {off}; run `make install`"
