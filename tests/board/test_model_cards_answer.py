"""`lapgate model submit --racer NAME` for a known racer's name: the board asks "same person?"
and the CLI says which option answers it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from lapgate.board.commands import model_cmds
from lapgate.board.commands.control_cmds import ControlError

SAMPLE = str(Path(__file__).parent / "data" / "model_cards" / "model_metadata.json")
QUESTION = "model card: 'Ada' is the name of a known racer: Ada (1 run). Same person?"


class FakeBoard:
    """A board that asks "same person?" unless the payload answers it."""

    sent: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, url: str) -> None:
        self.url = url

    def login(self, password: str) -> None:
        pass

    def command(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        FakeBoard.sent.append(payload)
        if payload["alias"] and not (payload["same_racer"] or payload["new_racer"]):
            raise ControlError(
                "{command}: {error} (HTTP {status})", command=name, error=QUESTION, status=409
            )
        return {"card_id": "c1", "racer_id": "r1", "name": payload["name"]}


@pytest.fixture
def board(monkeypatch: pytest.MonkeyPatch) -> type[FakeBoard]:
    monkeypatch.setattr(model_cmds, "BoardClient", FakeBoard)
    monkeypatch.setenv("LAPGATE_STAFF_PASSWORD", "pw")
    monkeypatch.setenv("LAPGATE_LANG", "en")
    FakeBoard.sent = []
    return FakeBoard


def submit(*args: str) -> Any:
    return CliRunner().invoke(model_cmds.model, ["submit", "--name", "m", *args, SAMPLE])


def test_a_known_name_names_the_options_that_answer(board: type[FakeBoard]) -> None:
    asked = submit("--racer", "Ada")
    assert asked.exit_code == 2
    assert QUESTION in asked.output
    assert "--same-racer" in asked.output and "--new-racer" in asked.output
    assert "--racer-id" in asked.output


@pytest.mark.parametrize(
    ("options", "sent"),
    [
        (["--racer", "Ada", "--same-racer"], {"alias": "Ada", "same_racer": True}),
        (["--racer", "Ada", "--new-racer"], {"alias": "Ada", "new_racer": True}),
        (["--racer-id", "r1"], {"alias": None, "racer_id": "r1"}),
    ],
)
def test_the_answer_goes_to_the_board(
    board: type[FakeBoard], options: list[str], sent: dict[str, Any]
) -> None:
    answered = submit(*options)
    assert answered.exit_code == 0, answered.output
    assert sent.items() <= board.sent[-1].items()
    assert '"card_id": "c1"' in answered.output


def test_a_racer_is_required(board: type[FakeBoard]) -> None:
    missing = submit()
    assert missing.exit_code == 2 and "--racer NAME or --racer-id ID" in missing.output
