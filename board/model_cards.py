"""Model cards: what a racer's model is, read from the files the DeepRacer tools produce.

A racer hands in some of these files (by `lapgate model submit` or the board's API):

- ``model_metadata.json`` (required): the action space, discrete (a list of steering angle
  and speed pairs) or continuous (speed and steering ranges), the sensors, the network and
  the training algorithm, as written by the DeepRacer console and deepracer-for-cloud;
- ``hyperparameters.json``: batch size, entropy, discount factor, learning rate, ...;
- ``training_params.yaml``: the simulation's settings (``WORLD_NAME`` is the training track);
- evaluation metrics (``{"metrics": [...]}``, one entry per evaluation trial, written by the
  simulation's `EvalMetrics`): the model's virtual laps, to compare with its physical laps.

Each file is recognised by its content, not its name, and checked strictly: a value of the
wrong type or out of range is refused with the file, the field, the value and what was
expected. Fields this module does not know are kept (a newer tool adds some), as are the
known ones, so the card shows what the racer's files said. Nothing here reads files or the
clock: callers pass the files' names and bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import yaml
from babel.numbers import format_decimal
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    ValidationError,
    model_validator,
)

from lapgate.board.i18n import DEFAULT_LANGUAGE, translations
from lapgate.config.limits import MODEL_NAME_MAX
from lapgate.timer.errors import LapgateError

FILE_MAX_BYTES = 256 * 1024
FILES_MAX = 6
ACTIONS_MAX = 100
TRIALS_MAX = 1000
SENSORS_MAX = 8
# A run keeps its card in `model_meta`, which the central league takes up to 100,000
# characters (`board.sync.wire.MAX_DOCUMENT_CHARS`): a card stays well below, so a card the
# venue accepts never stops a sync (tests/sync/test_sync_wire.py ties the two).
CARD_MAX_CHARS = 90_000

Number = StrictFloat  # strict: 1 and 1.5, never "1" or true


class ModelCardError(LapgateError, ValueError):
    """A model file was refused; the message names the file, the field and the value.

    A template with params, as every lapgate error (timer/errors.py): `{file}` and `{field}`
    stay in every language, `{got}` and `{expected}` are the values as the file wrote them.
    """


class _Strict(BaseModel):
    """Known fields checked; unknown fields kept (``extra="allow"``)."""

    model_config = ConfigDict(extra="allow", frozen=True)


class DiscreteAction(_Strict):
    steering_angle: Annotated[Number, Field(ge=-30, le=30)]
    speed: Annotated[Number, Field(gt=0, le=4)]


class Range(_Strict):
    low: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise ValueError(f"low {self.low} above high {self.high}")
        return self


class SpeedRange(Range):
    low: Annotated[Number, Field(gt=0, le=4)]
    high: Annotated[Number, Field(gt=0, le=4)]


class SteeringRange(Range):
    low: Annotated[Number, Field(ge=-30, le=30)]
    high: Annotated[Number, Field(ge=-30, le=30)]


class ContinuousSpace(_Strict):
    speed: SpeedRange
    steering_angle: SteeringRange


def _space_shape(value: Any) -> str:
    return "discrete" if isinstance(value, list) else "continuous"


_TAGS = {"discrete", "continuous"}

Sensor = Annotated[StrictStr, Field(min_length=1, max_length=40, pattern=r"^[A-Z][A-Z_]*$")]


class ModelMetadata(_Strict):
    action_space: Annotated[
        Annotated[
            Annotated[list[DiscreteAction], Field(min_length=1, max_length=ACTIONS_MAX)],
            Tag("discrete"),
        ]
        | Annotated[ContinuousSpace, Tag("continuous")],
        Discriminator(_space_shape),
    ]
    sensor: Annotated[list[Sensor], Field(min_length=1, max_length=SENSORS_MAX)] = Field(
        default_factory=lambda: ["FRONT_FACING_CAMERA"]
    )
    neural_network: Annotated[
        StrictStr, Field(min_length=1, max_length=80, pattern=r"^[A-Z][A-Z_]*$")
    ] = "DEEP_CONVOLUTIONAL_NETWORK_SHALLOW"
    training_algorithm: Literal["clipped_ppo", "sac"] = "clipped_ppo"
    action_space_type: Literal["discrete", "continuous"] | None = None
    version: Annotated[StrictStr, Field(max_length=20)] | StrictInt | None = None

    @model_validator(mode="after")
    def _shape_matches_type(self) -> ModelMetadata:
        shape = "continuous" if isinstance(self.action_space, ContinuousSpace) else "discrete"
        if self.action_space_type is not None and self.action_space_type != shape:
            raise ValueError(
                f"action_space_type {self.action_space_type!r} but action_space is {shape}"
            )
        if self.training_algorithm == "sac" and shape != "continuous":
            raise ValueError("training_algorithm 'sac' needs a continuous action_space")
        return self


Fraction = Annotated[Number, Field(ge=0, le=1)]
PositiveInt = Annotated[StrictInt, Field(ge=1, le=10_000_000)]


class Hyperparameters(_Strict):
    batch_size: Annotated[StrictInt, Field(ge=1, le=65_536)] | None = None
    beta_entropy: Fraction | None = None
    discount_factor: Fraction | None = None
    e_greedy_value: Fraction | None = None
    epsilon_steps: Annotated[StrictInt, Field(ge=0, le=100_000_000)] | None = None
    exploration_type: Annotated[StrictStr, Field(max_length=40)] | None = None
    loss_type: Annotated[StrictStr, Field(max_length=40)] | None = None
    lr: Annotated[Number, Field(gt=0, le=1)] | None = None
    num_episodes_between_training: PositiveInt | None = None
    num_epochs: PositiveInt | None = None
    stack_size: PositiveInt | None = None
    term_cond_avg_score: Number | None = None
    term_cond_max_episodes: PositiveInt | None = None
    sac_alpha: Fraction | None = None


HYPERPARAMETER_KEYS = frozenset(Hyperparameters.model_fields)

Scalar = StrictStr | StrictBool | StrictInt | StrictFloat | None


class TrainingParams(_Strict):
    """``training_params.yaml``: upper-case keys with scalar values (all kept)."""

    WORLD_NAME: Annotated[StrictStr, Field(min_length=1, max_length=100)]
    RACE_TYPE: Annotated[StrictStr, Field(max_length=40)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _scalars(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key, value in data.items():
                if not isinstance(value, str | bool | int | float | type(None)):
                    raise ValueError(f"{key}: got {type(value).__name__}, expected a plain value")
        return data


class EvaluationTrial(_Strict):
    completion_percentage: Annotated[Number, Field(ge=0, le=100)]
    elapsed_time_in_milliseconds: Annotated[StrictInt, Field(ge=0, le=3_600_000)]
    episode_status: Annotated[StrictStr, Field(max_length=40)] = ""
    trial: Annotated[StrictInt, Field(ge=0, le=TRIALS_MAX)] = 0
    reset_count: Annotated[StrictInt, Field(ge=0, le=10_000)] = 0
    off_track_count: Annotated[StrictInt, Field(ge=0, le=10_000)] = 0
    crash_count: Annotated[StrictInt, Field(ge=0, le=10_000)] = 0


class EvaluationMetrics(_Strict):
    metrics: Annotated[list[EvaluationTrial], Field(min_length=1, max_length=TRIALS_MAX)]


FileKind = Literal["model_metadata", "hyperparameters", "training_params", "evaluation"]
KIND_FILES: dict[str, str] = {
    "model_metadata": "model_metadata.json",
    "hyperparameters": "hyperparameters.json",
    "training_params": "training_params.yaml",
    "evaluation": 'evaluation metrics JSON ({"metrics": [...]})',
}
_MODELS: dict[str, type[BaseModel]] = {
    "model_metadata": ModelMetadata,
    "hyperparameters": Hyperparameters,
    "training_params": TrainingParams,
    "evaluation": EvaluationMetrics,
}


@dataclass(frozen=True, slots=True)
class EvaluationLap:
    trial: int
    ms: int
    resets: int
    complete: bool
    status: str


@dataclass(frozen=True, slots=True)
class ModelCard:
    """A checked model card; `document()` is what is stored, synced and shown."""

    name: str
    metadata: dict[str, Any]
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    evaluation: tuple[EvaluationLap, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def action_space_type(self) -> str:
        return "continuous" if isinstance(self.metadata["action_space"], dict) else "discrete"

    @property
    def training_track(self) -> str:
        return str(self.training.get("WORLD_NAME", ""))

    def summary(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """One line: the action space, the algorithm and the training track, in `lang` (the
        stored document keeps the English one)."""
        catalog = translations(lang)
        space = self.metadata["action_space"]
        if isinstance(space, dict):
            speed = space["speed"]
            shape = catalog.gettext("continuous {low}–{high} m/s").format(
                low=format_decimal(speed["low"], locale=lang),
                high=format_decimal(speed["high"], locale=lang),
            )
        else:
            top = max(float(a["speed"]) for a in space)
            shape = catalog.ngettext(
                "{n} action up to {top} m/s", "{n} actions up to {top} m/s", len(space)
            ).format(n=len(space), top=format_decimal(top, locale=lang))
        algorithm = str(self.metadata.get("training_algorithm", "clipped_ppo"))
        if self.training_track:
            line = catalog.gettext("{shape}, {algorithm}, trained on {track}")
            return line.format(shape=shape, algorithm=algorithm, track=self.training_track)
        return catalog.gettext("{shape}, {algorithm}").format(shape=shape, algorithm=algorithm)

    def best_evaluation_ms(self) -> int | None:
        laps = [lap.ms for lap in self.evaluation if lap.complete]
        return min(laps) if laps else None

    def document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "metadata": self.metadata,
            "hyperparameters": self.hyperparameters,
            "training": self.training,
            "evaluation": [
                {
                    "trial": lap.trial,
                    "ms": lap.ms,
                    "resets": lap.resets,
                    "complete": lap.complete,
                    "status": lap.status,
                }
                for lap in self.evaluation
            ],
            "files": list(self.files),
            "summary": self.summary(),
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> ModelCard:
        return cls(
            name=str(doc["name"]),
            metadata=dict(doc["metadata"]),
            hyperparameters=dict(doc.get("hyperparameters", {})),
            training=dict(doc.get("training", {})),
            evaluation=tuple(
                EvaluationLap(
                    int(e["trial"]),
                    int(e["ms"]),
                    int(e["resets"]),
                    bool(e["complete"]),
                    e["status"],
                )
                for e in doc.get("evaluation", [])
            ),
            files=tuple(doc.get("files", [])),
        )


def _problem(filename: str, exc: ValidationError) -> ModelCardError:
    error = exc.errors(include_url=False)[0]
    parts = [str(p) for p in error["loc"] if p not in _TAGS and not str(p).startswith("function-")]
    where = ".".join(parts) or "the file"
    got = repr(error.get("input"))[:60]
    if error["type"] == "missing":
        return ModelCardError(
            "{file}: {field}: got nothing, expected a value", file=filename, field=where
        )
    # pydantic's own wording of what it wanted (English: pydantic has no catalogs)
    message = str(error["msg"]).removeprefix("Value error, ")
    message = message.removeprefix("Input should be ")
    return ModelCardError(
        "{file}: {field}: got {got}, expected {expected}",
        file=filename,
        field=where,
        got=got,
        expected=message,
    )


def _decode(filename: str, data: bytes) -> Any:
    if len(data) > FILE_MAX_BYTES:
        raise ModelCardError(
            "{file}: got {size} bytes, expected at most {limit} bytes",
            file=filename,
            size=len(data),
            limit=FILE_MAX_BYTES,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelCardError(
            "{file}: byte {offset}: got {got}, expected UTF-8 text",
            file=filename,
            offset=exc.start,
            got=repr(data[exc.start : exc.start + 1]),
        ) from None
    if filename.lower().endswith((".yaml", ".yml")):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            if mark is None:
                raise ModelCardError(
                    "{file}: got invalid YAML, expected YAML", file=filename
                ) from None
            raise ModelCardError(
                "{file}: line {line}: got invalid YAML, expected YAML",
                file=filename,
                line=mark.line + 1,
            ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelCardError(
            "{file}: line {line} column {column}: got invalid JSON ({problem}), expected JSON",
            file=filename,
            line=exc.lineno,
            column=exc.colno,
            problem=exc.msg,
        ) from None


def kind_of(filename: str, content: Any) -> FileKind:
    """Which DeepRacer file this is, from its content."""
    if not isinstance(content, dict):
        raise ModelCardError(
            "{file}: got {got}, expected an object (one of {kinds})",
            file=filename,
            got=type(content).__name__,
            kinds=", ".join(KIND_FILES.values()),
        )
    if "action_space" in content:
        return "model_metadata"
    if "metrics" in content:
        return "evaluation"
    if "WORLD_NAME" in content:
        return "training_params"
    if HYPERPARAMETER_KEYS & set(content):
        return "hyperparameters"
    keys = ", ".join(sorted(str(k) for k in content)[:6]) or "none"
    raise ModelCardError(
        "{file}: got an object with keys {keys}, expected one of {kinds}",
        file=filename,
        keys=keys,
        kinds=", ".join(KIND_FILES.values()),
    )


def read_card(name: str, files: Mapping[str, bytes]) -> ModelCard:
    """The model card named `name` from `files` (file name → bytes), checked.

    Raises ModelCardError naming the file, the field and the value for the first problem.
    """
    name = name.strip()
    if not name or len(name) > MODEL_NAME_MAX or not name.isprintable():
        raise ModelCardError(
            "model name: got {got}, expected 1 to {limit} printable characters",
            got=repr(name)[:60],
            limit=MODEL_NAME_MAX,
        )
    if not files:
        raise ModelCardError("files: got none, expected model_metadata.json at least")
    if len(files) > FILES_MAX:
        raise ModelCardError(
            "files: got {count}, expected at most {limit}", count=len(files), limit=FILES_MAX
        )
    checked: dict[str, tuple[str, dict[str, Any]]] = {}
    for filename, data in files.items():
        content = _decode(filename, data)
        kind = kind_of(filename, content)
        if kind in checked:
            raise ModelCardError(
                "{file}: got a second {kind} (first: {first}), expected one of each",
                file=filename,
                kind=KIND_FILES[kind],
                first=checked[kind][0],
            )
        try:
            _MODELS[kind].model_validate(content)
        except ValidationError as exc:
            raise _problem(filename, exc) from None
        checked[kind] = (filename, content)
    if "model_metadata" not in checked:
        raise ModelCardError(
            "files: got {names}, expected model_metadata.json among them",
            names=", ".join(sorted(files)),
        )
    evaluation: tuple[EvaluationLap, ...] = ()
    if "evaluation" in checked:
        trials = EvaluationMetrics.model_validate(checked["evaluation"][1]).metrics
        evaluation = tuple(
            EvaluationLap(
                trial=t.trial or index + 1,
                ms=t.elapsed_time_in_milliseconds,
                resets=t.reset_count,
                complete=t.completion_percentage >= 100,
                status=t.episode_status,
            )
            for index, t in enumerate(trials)
        )
    card = ModelCard(
        name=name,
        metadata=checked["model_metadata"][1],
        hyperparameters=checked.get("hyperparameters", ("", {}))[1],
        training=checked.get("training_params", ("", {}))[1],
        evaluation=evaluation,
        files=tuple(sorted(files)),
    )
    size = len(json.dumps(card.document(), ensure_ascii=False))
    if size > CARD_MAX_CHARS:
        raise ModelCardError(
            "files: got a card of {size} characters, expected at most {limit} "
            "(leave out the evaluation metrics or the training parameters)",
            size=size,
            limit=CARD_MAX_CHARS,
        )
    return card
