"""Model cards read from the files the DeepRacer tools write (real public samples)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lapgate.board.model_cards import FILE_MAX_BYTES, ModelCard, ModelCardError, read_card

SAMPLES = Path(__file__).parent / "data" / "model_cards"


def files(*names: str) -> dict[str, bytes]:
    return {name: (SAMPLES / name).read_bytes() for name in names}


def test_a_discrete_model_with_every_file() -> None:
    card = read_card(
        "fast-eddie-v3",
        files(
            "model_metadata.json",
            "hyperparameters.json",
            "training_params.yaml",
            "evaluation_metrics.json",
        ),
    )
    assert card.action_space_type == "discrete"
    assert len(card.metadata["action_space"]) == 5
    assert card.metadata["neural_network"] == "DEEP_CONVOLUTIONAL_NETWORK_SHALLOW"
    assert card.hyperparameters["lr"] == 0.0003
    assert card.hyperparameters["batch_size"] == 64
    assert card.training_track == "Vegas_track"
    assert [lap.ms for lap in card.evaluation] == [16600, 16054, 21130]
    assert [lap.resets for lap in card.evaluation] == [0, 0, 2]
    assert card.best_evaluation_ms() == 16054
    assert card.summary() == "5 actions up to 0.6 m/s, clipped_ppo, trained on Vegas_track"


def test_continuous_and_sac_samples() -> None:
    cont = read_card("c", files("model_metadata_cont.json"))
    sac = read_card("s", files("model_metadata_sac.json", "hyperparameters.json"))
    assert cont.action_space_type == "continuous"
    assert sac.metadata["training_algorithm"] == "sac"
    assert sac.hyperparameters["sac_alpha"] == 0.2
    assert sac.summary().startswith("continuous 1–2 m/s, sac")


def test_unknown_fields_are_kept_and_the_document_round_trips() -> None:
    meta = json.loads((SAMPLES / "model_metadata.json").read_text())
    meta["future_field"] = {"from": "a newer console"}
    card = read_card("m", {"model_metadata.json": json.dumps(meta).encode()})
    assert card.metadata["future_field"] == {"from": "a newer console"}
    again = ModelCard.from_document(json.loads(json.dumps(card.document())))
    assert again == card


def bad_metadata(**change: object) -> dict[str, bytes]:
    meta = json.loads((SAMPLES / "model_metadata.json").read_text())
    meta.update(change)
    return {"my_model_metadata.json": json.dumps(meta).encode()}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"action_space": [{"steering_angle": 0, "speed": "fast"}]},
            "my_model_metadata.json: action_space.0.speed: got 'fast'",
        ),
        (
            {"action_space": [{"steering_angle": 45, "speed": 1}]},
            "my_model_metadata.json: action_space.0.steering_angle: got 45",
        ),
        ({"training_algorithm": "dqn"}, "training_algorithm: got 'dqn', expected 'clipped_ppo'"),
        ({"action_space_type": "continuous"}, "action_space is discrete"),
        ({"sensor": []}, "sensor: got []"),
    ],
)
def test_a_bad_field_is_named_with_its_file(change: dict[str, object], message: str) -> None:
    with pytest.raises(ModelCardError) as refused:
        read_card("m", bad_metadata(**change))
    assert message in str(refused.value)


def test_bad_hyperparameters_name_the_field() -> None:
    hyper = json.loads((SAMPLES / "hyperparameters.json").read_text())
    hyper["lr"] = "0.001"
    with pytest.raises(ModelCardError, match=r"hp\.json: lr: got '0\.001'"):
        read_card("m", {**files("model_metadata.json"), "hp.json": json.dumps(hyper).encode()})


def test_files_that_are_not_model_files() -> None:
    with pytest.raises(ModelCardError, match=r"x\.json: line 1 column 2: got invalid JSON"):
        read_card("m", {"x.json": b"{nope"})
    with pytest.raises(ModelCardError, match=r"x\.json: got an object with keys a, expected"):
        read_card("m", {"x.json": b'{"a": 1}'})
    with pytest.raises(ModelCardError, match=r"expected model_metadata\.json among them"):
        read_card("m", files("hyperparameters.json"))
    with pytest.raises(ModelCardError, match=r"x\.json: byte 0: got b'\\xff', expected UTF-8"):
        read_card("m", {"x.json": b"\xff\xfe{}"})
    with pytest.raises(ModelCardError, match=f"expected at most {FILE_MAX_BYTES} bytes"):
        read_card("m", {"x.json": b" " * (FILE_MAX_BYTES + 1)})
    with pytest.raises(ModelCardError, match=r"a second model_metadata\.json"):
        read_card("m", files("model_metadata.json", "model_metadata_cont.json"))
    with pytest.raises(ModelCardError, match=r"t\.yaml: line 2: got invalid YAML"):
        read_card("m", {**files("model_metadata.json"), "t.yaml": b"a: 1\n  b: [\n"})


def test_the_model_name_is_checked() -> None:
    with pytest.raises(ModelCardError, match="model name: got ''"):
        read_card("  ", files("model_metadata.json"))
