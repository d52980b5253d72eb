"""lapgate: race timer and live leaderboard for physical autonomous model-car races.

The one import package of the distribution. Its subpackages live in the repository's
top-level folders and are installed beneath this one (pyproject.toml, `package-dir`):

- `lapgate.timer` (timer/): the pure race engine; no I/O, threads or clock reads.
- `lapgate.hardware` (hardware/): gate adapters turning the outside world into crossings.
- `lapgate.config` (config/): typed settings loaded from TOML.
- `lapgate.board` (board/): the service: composition root, store, web app, sync, CLI.

Importing `lapgate` imports nothing else: `lapgate.timer` stays free of dependencies.
"""
