"""`lapgate model check|submit FILES...`: a racer's model card from the DeepRacer tools' files.

``check`` reads and checks the files here and prints the card, without a board.
``submit`` checks them the same way, then sends them to a running board as the staff
command ``model_submit`` (staff password from ``LAPGATE_STAFF_PASSWORD`` or a prompt). The
card then shows beside the racer's runs raced with that model name. A ``--racer`` name that
is a known racer's needs an answer, as queueing does: ``--same-racer`` (that racer),
``--racer-id`` (one of several of that name) or ``--new-racer`` (another person).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from lapgate.board.commands.control_cmds import PASSWORD_ENV, BoardClient, ControlError
from lapgate.board.i18n import cli_gettext as _
from lapgate.board.i18n import cli_language, format_lap
from lapgate.board.i18n import cli_ngettext as ngettext
from lapgate.board.model_cards import FILE_MAX_BYTES, ModelCard, ModelCardError, read_card


def _read_files(paths: tuple[Path, ...]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for path in paths:
        if path.name in files:
            raise click.BadParameter(
                _("got {file!r} twice, expected one file of each name").format(file=path.name)
            )
        size = path.stat().st_size
        if size > FILE_MAX_BYTES:
            raise ModelCardError(
                "{file}: got {size} bytes, expected at most {max_bytes} bytes",
                file=path.name,
                size=size,
                max_bytes=FILE_MAX_BYTES,
            )
        files[path.name] = path.read_bytes()
    return files


def _describe(card: ModelCard) -> str:
    lines = [f"{card.name}: {card.summary()}"]
    if card.hyperparameters:
        shown = ", ".join(f"{k}={v}" for k, v in list(card.hyperparameters.items())[:6])
        lines.append("  " + _("hyperparameters: {values}").format(values=shown))
    if card.evaluation:
        best = card.best_evaluation_ms()
        trials = len(card.evaluation)
        evaluation = (
            ngettext(
                "evaluation: {n} trial, best lap {best}",
                "evaluation: {n} trials, best lap {best}",
                trials,
            ).format(n=trials, best=format_lap(best, cli_language()))
            if best is not None
            else ngettext(
                "evaluation: {n} trial, no lap complete",
                "evaluation: {n} trials, no lap complete",
                trials,
            ).format(n=trials)
        )
        lines.append("  " + evaluation)
    lines.append("  " + _("files: {files}").format(files=", ".join(card.files)))
    return "\n".join(lines)


FILES = click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


@click.group(
    "model",
    help=_("Model cards: model_metadata.json, hyperparameters.json, training_params.yaml, ..."),
)
def model() -> None:
    pass


@model.command("check", help=_("Check FILES as a model card and print it (nothing is sent)."))
@click.option("--name", default="model", show_default=True, help=_("The model's name."))
@FILES
def check(name: str, files: tuple[Path, ...]) -> None:
    click.echo(_describe(read_card(name, _read_files(files))))


@model.command(
    "submit", help=_("Check FILES and store them on the board as RACER's model card NAME.")
)
@click.option("--racer", help=_("The racer's alias (a new racer if unknown)."))
@click.option("--racer-id", help=_("A known racer's id (instead of --racer)."))
@click.option(
    "--same-racer", is_flag=True, help=_("--racer names a known racer: the card is theirs.")
)
@click.option(
    "--new-racer", is_flag=True, help=_("--racer names a known racer, but this is another person.")
)
@click.option("--name", required=True, help=_("The model's name, as staff type it in the queue."))
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help=_("The board."))
@FILES
def submit(
    racer: str | None,
    racer_id: str | None,
    same_racer: bool,
    new_racer: bool,
    name: str,
    url: str,
    files: tuple[Path, ...],
) -> None:
    if not (racer or racer_id):
        raise click.UsageError(_("expected --racer NAME or --racer-id ID"))
    raw = _read_files(files)
    card = read_card(name, raw)  # refused here, naming file and field, before any password
    texts = {filename: data.decode("utf-8-sig") for filename, data in raw.items()}
    password = os.environ.get(PASSWORD_ENV) or click.prompt(_("Staff password"), hide_input=True)
    client = BoardClient(url)
    client.login(password)
    payload: dict[str, object] = {"alias": racer, "racer_id": racer_id, "name": name}
    payload.update(files=texts, same_racer=same_racer, new_racer=new_racer)
    try:
        answer = client.command("model_submit", payload)
    except ControlError as exc:
        if exc.params.get("status") == 409 and not (racer_id or same_racer or new_racer):
            raise click.UsageError(_same_person_hint(exc)) from None
        raise
    click.echo(_describe(card))
    click.echo(json.dumps({k: answer[k] for k in ("card_id", "racer_id", "name")}))
    card_url = f"{url.rstrip('/')}/models/{answer['card_id']}"
    click.echo(_("card: {url}").format(url=card_url))


def _same_person_hint(exc: ControlError) -> str:
    """The board's "same person?" question, with the options that answer it."""
    return _(
        "{question}\nAnswer with --same-racer (that racer gets the card), --racer-id ID "
        "(one of several racers of that name) or --new-racer (another person with that name)."
    ).format(question=exc.params.get("error", ""))


def register(group: click.Group) -> None:
    group.add_command(model)
