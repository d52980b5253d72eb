"""A refused staff action answers in the client's language (`?lang=`, Accept-Language), and
in English otherwise: the error's template is translated, then filled with its params."""

from __future__ import annotations

from flask.testing import FlaskClient
from web_support import Board, login

from lapgate.board.i18n import Joined, Phrase, error_text
from lapgate.board.live.race import ActionError, NeedsAnswer
from lapgate.timer.errors import RuleViolation

EMPTY_QUEUE_EN = "stage: the queue is empty; add a racer first"
EMPTY_QUEUE_JA = "stage: 待機列が空です。先にレーサーを追加してください"


def _staff(board: Board) -> tuple[FlaskClient, dict[str, str]]:
    client = board.app.test_client()
    return client, {"X-CSRF-Token": login(client)}


def test_a_refused_action_answers_in_the_language_asked_by_query(board: Board) -> None:
    client, headers = _staff(board)
    refused = client.post("/api/control/stage?lang=ja", json={}, headers=headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == EMPTY_QUEUE_JA


def test_a_refused_action_answers_in_the_browsers_language(board: Board) -> None:
    client, headers = _staff(board)
    headers["Accept-Language"] = "ja,en;q=0.5"
    refused = client.post("/api/control/stage", json={}, headers=headers)
    assert refused.get_json()["error"] == EMPTY_QUEUE_JA


def test_a_refused_action_answers_in_english_by_default(board: Board) -> None:
    client, headers = _staff(board)
    refused = client.post("/api/control/stage", json={}, headers=headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == EMPTY_QUEUE_EN


def test_same_person_question_is_one_translated_sentence_with_its_parts(board: Board) -> None:
    """The names and their run counts inside the question are translated too."""
    client, headers = _staff(board)
    first = client.post("/api/control/queue_add", json={"alias": "Ada"}, headers=headers)
    assert first.status_code == 200
    asked = client.post("/api/control/queue_add?lang=ja", json={"alias": "ADA"}, headers=headers)
    assert asked.status_code == 409
    body = asked.get_json()
    assert body["error"].startswith("queue: 'ADA' は登録済みのレーサーの名前です: Ada (走行なし)。")
    assert body["question"] == "same_racer"
    english = board.app.test_client()
    asked = english.post(
        "/api/control/queue_add", json={"alias": "ADA"}, headers={"X-CSRF-Token": login(english)}
    )
    assert asked.get_json()["error"].startswith(
        "queue: 'ADA' is the name of a known racer: Ada (no runs yet). Same person?"
    )


def test_error_text_translates_phrases_and_nested_errors() -> None:
    runs = Joined("; ", [Phrase("{count} run", count=1), Phrase("{count} runs", count=2)])
    question = NeedsAnswer("{alias} ({runs})", {"question": "x"}, alias="Ada", runs=runs)
    assert str(question) == "Ada (1 run; 2 runs)"
    assert error_text(question, "de") == "Ada (1 Lauf; 2 Läufe)"
    assert question.details == {"question": "x"}
    inner = RuleViolation("stage: the queue is empty; add a racer first")
    outer = ActionError("model_submit: {exc}", exc=inner)
    assert (
        error_text(outer, "es")
        == "model_submit: stage: la cola está vacía; añade primero un piloto"
    )
    assert error_text(outer, "en") == "model_submit: " + EMPTY_QUEUE_EN


def test_a_translation_that_does_not_fit_falls_back_to_english() -> None:
    unknown = RuleViolation("not a message of the catalog {n}", n=3)
    assert error_text(unknown, "ja") == "not a message of the catalog 3"
