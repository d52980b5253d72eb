"""mypy for the `lapgate` package, whose subpackages live in the repository's top-level folders.

    python tools/typecheck.py [MYPY OPTIONS] -p lapgate.timer [-p lapgate.config ...]

pyproject.toml maps `lapgate.timer` to timer/ and so on (`[tool.setuptools] package-dir`).
mypy cannot know that: it names a module after the folders it sits in, so `mypy timer`
would check `timer.events`, and nothing on disk is called lapgate/timer/ for `-p` to find.
This script takes mypy's own options and does three things before handing over to mypy:

- each `-p lapgate.X` becomes the folder pyproject.toml maps it to (`-p lapgate` is all of
  them), so mypy collects the files as usual;
- every collected file gets its `lapgate.…` module name, so errors are reported on the
  real files (timer/events.py:12) and imports of `lapgate.timer.events` resolve to them;
- the `lapgate.…` modules those files import (and theirs, and so on) are added the way
  mypy adds a module it follows: checked under the same options. `--strict -p
  lapgate.timer` therefore checks timer/ strictly and nothing else.

Options, cache, messages and exit status are mypy's own (`process_options` and
`run_build` of mypy.main, the version pinned in requirements/constraints.txt).
"""

from __future__ import annotations

import ast
import sys
import time
import tomllib
from collections.abc import Iterable
from pathlib import Path

from mypy import util
from mypy.find_sources import InvalidSourceList
from mypy.fscache import FileSystemCache
from mypy.main import process_options, run_build
from mypy.modulefinder import BuildSource

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "lapgate"


def package_dirs() -> dict[str, Path]:
    """`lapgate` and each mapped subpackage → its folder, as pyproject.toml declares them."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        mapping = tomllib.load(file)["tool"]["setuptools"]["package-dir"]
    return {name: ROOT / folder for name, folder in mapping.items()}


def expand_packages(args: list[str], dirs: dict[str, Path]) -> list[str]:
    """Replace `-p lapgate…` / `--package lapgate…` by the folders they live in."""
    out: list[str] = []
    it = iter(args)
    for arg in it:
        if arg in ("-p", "--package"):
            option, name = [arg], next(it, "")
        elif arg.startswith("--package="):
            option, name = [], arg.split("=", 1)[1]
        else:
            out.append(arg)
            continue
        if name == PACKAGE:
            out.extend(str(folder) for folder in dirs.values())
        elif name.startswith(PACKAGE + "."):
            path = module_path(name, dirs)
            if path is None:
                sys.exit(f"typecheck: -p {name}: not a package of pyproject.toml's package-dir")
            out.append(str(path.parent if path.name == "__init__.py" else path))
        else:  # someone else's package: mypy finds it itself
            out.extend([*option, name] if option else [arg])
    return out


def module_path(module: str, dirs: dict[str, Path]) -> Path | None:
    """The file of `lapgate.…` module `module` (a package's __init__.py), or None."""
    parts = module.split(".")
    for cut in range(len(parts), 0, -1):
        folder = dirs.get(".".join(parts[:cut]))
        if folder is None:
            continue
        base = folder.joinpath(*parts[cut:])
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return None
    return None


def module_name(path: Path, dirs: dict[str, Path]) -> str | None:
    """The `lapgate.…` name of the file at `path`, or None when it is outside the package."""
    path = path.resolve()
    best: tuple[str, Path] | None = None
    for name, folder in dirs.items():
        if path.is_relative_to(folder) and (best is None or folder.is_relative_to(best[1])):
            best = (name, folder)
    if best is None:
        return None
    rest = list(path.relative_to(best[1]).with_suffix("").parts)
    if rest and rest[-1] == "__init__":
        rest.pop()
    return ".".join([best[0], *rest])


def imported_modules(path: Path) -> Iterable[str]:
    """Every `lapgate.…` name the file imports, including `from lapgate.x import sub`."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                yield name


def with_followed_imports(sources: list[BuildSource], dirs: dict[str, Path]) -> None:
    """Add the `lapgate.…` modules the sources import, transitively, as followed sources."""
    known = {source.module for source in sources}
    todo = [Path(source.path) for source in sources if source.path]
    while todo:
        for name in imported_modules(todo.pop()):
            # a package's __init__ runs before its module: follow the ancestors too
            parts = name.split(".")
            for cut in range(1, len(parts) + 1):
                module = ".".join(parts[:cut])
                path = module_path(module, dirs)
                if module in known or path is None:
                    continue
                known.add(module)
                sources.append(BuildSource(str(path), module, followed=True))
                todo.append(path)


def main(args: list[str]) -> None:
    t0 = time.time()
    dirs = package_dirs()
    fscache = FileSystemCache()
    try:
        sources, options = process_options(
            expand_packages(args, dirs), stdout=sys.stdout, stderr=sys.stderr, fscache=fscache
        )
    except InvalidSourceList as exc:
        sys.exit(f"typecheck: {exc}")
    for source in sources:
        name = module_name(Path(source.path), dirs) if source.path else None
        if name is not None:
            source.module = name
    with_followed_imports(sources, dirs)
    _, messages, blockers = run_build(sources, options, fscache, t0, sys.stdout, sys.stderr)
    formatter = util.FancyFormatter(sys.stdout, sys.stderr, options.hide_error_codes)
    n_errors, n_notes, n_files = util.count_stats(messages)
    checked = len([source for source in sources if not source.followed])
    if n_errors:
        print(
            formatter.format_error(
                n_errors, n_files, checked, blockers=blockers, use_color=options.color_output
            )
        )
    else:
        print(formatter.format_success(checked, options.color_output))
    sys.exit((2 if blockers else 1) if messages and n_notes < len(messages) else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
