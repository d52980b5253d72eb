"""`lapgate model check|submit FILES...`: a racer's model card from the DeepRacer tools' files.

``check`` reads and checks the files here and prints the card, without a board.
``submit`` checks them the same way, then sends them to a running board as the staff
command ``model_submit`` (staff password from ``LAPGATE_STAFF_PASSWORD`` or a prompt). The
card then shows beside the racer's runs raced with that model name.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from lapgate.board.commands.control_cmds import PASSWORD_ENV, BoardClient
from lapgate.board.model_cards import FILE_MAX_BYTES, ModelCard, ModelCardError, read_card


def _read_files(paths: tuple[Path, ...]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for path in paths:
        if path.name in files:
            raise click.BadParameter(f"got {path.name!r} twice, expected one file of each name")
        size = path.stat().st_size
        if size > FILE_MAX_BYTES:
            raise ModelCardError(
                f"{path.name}: got {size} bytes, expected at most {FILE_MAX_BYTES} bytes"
            )
        files[path.name] = path.read_bytes()
    return files


def _describe(card: ModelCard) -> str:
    lines = [f"{card.name}: {card.summary()}"]
    if card.hyperparameters:
        shown = ", ".join(f"{k}={v}" for k, v in list(card.hyperparameters.items())[:6])
        lines.append(f"  hyperparameters: {shown}")
    if card.evaluation:
        best = card.best_evaluation_ms()
        lines.append(
            f"  evaluation: {len(card.evaluation)} trials"
            + (f", best {best / 1000:.3f} s" if best is not None else ", no lap complete")
        )
    lines.append(f"  files: {', '.join(card.files)}")
    return "\n".join(lines)


FILES = click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


@click.group("model")
def model() -> None:
    """Model cards: model_metadata.json, hyperparameters.json, training_params.yaml, ..."""


@model.command("check")
@click.option("--name", default="model", show_default=True, help="The model's name.")
@FILES
def check(name: str, files: tuple[Path, ...]) -> None:
    """Check FILES as a model card and print it (nothing is sent)."""
    click.echo(_describe(read_card(name, _read_files(files))))


@model.command("submit")
@click.option("--racer", required=True, help="The racer's alias (a new racer if unknown).")
@click.option("--name", required=True, help="The model's name, as staff type it in the queue.")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="The board.")
@FILES
def submit(racer: str, name: str, url: str, files: tuple[Path, ...]) -> None:
    """Check FILES and store them on the board as RACER's model card NAME."""
    raw = _read_files(files)
    card = read_card(name, raw)  # refused here, naming file and field, before any password
    texts = {filename: data.decode("utf-8-sig") for filename, data in raw.items()}
    password = os.environ.get(PASSWORD_ENV) or click.prompt("Staff password", hide_input=True)
    client = BoardClient(url)
    client.login(password)
    answer = client.command("model_submit", {"alias": racer, "name": name, "files": texts})
    click.echo(_describe(card))
    click.echo(json.dumps({k: answer[k] for k in ("card_id", "racer_id", "name")}))
    click.echo(f"card: {url.rstrip('/')}/models/{answer['card_id']}")


def register(group: click.Group) -> None:
    group.add_command(model)
