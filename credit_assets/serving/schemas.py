"""Request and response models of the scoring API (Pydantic, strict).

Requests forbid unknown fields, reject NaN and infinity, and never coerce types (``"12"`` is not a
number, ``12.0`` is not an integer), so every bad input is answered with a 4xx naming the field.
``Application`` is built from the Kaggle schema of ``application_test``: one optional field per
column, typed as in the file, with the ranges the columns can take. A new application may carry
the applicant's credit history (:class:`credit_assets.serving.history.History`): rows of the side
tables, validated the same way.
The ranges and the "exactly one of" rules are in the models' JSON schemas too, which the service
publishes (:mod:`credit_assets.serving.contract`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, LiteralString

from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from credit_assets.kaggle import DAYS_SENTINEL, schema
from credit_assets.serving.history import History
from credit_assets.serving.strict import Published, Strict

MAX_BATCH_IDS = 10_000
MAX_BATCH_APPLICATIONS = 1_000
MAX_TOP_K = 50
REQUIRED_FIELDS = ("AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "DAYS_BIRTH")
"""Fields an application must give: no credit decision is meaningful without them."""
DAYS_FLOOR = -100 * 366
Decision = Literal["accepted", "refused"]
ScoredOn = Literal["history", "application_only"]
"""Which champion scored a client: ``history`` (a known id, or an application sent with its
credit history) or ``application_only`` (an application sent without history)."""


def _days(value: float) -> float:
    """Days before the application: between a century ago and the day of the application."""
    if not DAYS_FLOOR <= value <= 0:
        raise ValueError(f"must be between {DAYS_FLOOR} and 0 days")
    return value


def _days_employed(value: float) -> float:
    """Days before the application, or the 365243 placeholder of clients without employment."""
    return value if value == DAYS_SENTINEL else _days(value)


def _constraints(column: str) -> list[Any]:
    """The range a raw application column can take, from its Kaggle meaning."""
    if column == "DAYS_EMPLOYED":
        employed = {"minimum": DAYS_FLOOR, "maximum": 0}
        return [
            AfterValidator(_days_employed),
            Published(anyOf=[employed, {"const": DAYS_SENTINEL}]),
        ]
    if column.startswith("DAYS_"):
        return [AfterValidator(_days), Published(minimum=DAYS_FLOOR, maximum=0)]
    if column.startswith(("EXT_SOURCE_", "REGION_POPULATION")) or column.endswith(
        ("_AVG", "_MODE", "_MEDI")
    ):
        return [Ge(0), Le(1)]
    if column.startswith(("FLAG_", "REG_", "LIVE_")):
        return [Ge(0), Le(1)]
    if column.startswith("REGION_RATING"):
        return [Ge(1), Le(3)]
    if column == "HOUR_APPR_PROCESS_START":
        return [Ge(0), Le(23)]
    if column.startswith(("AMT_", "CNT_", "OBS_", "DEF_", "OWN_CAR_AGE", "SK_ID")):
        return [Ge(0)]
    return []


def _field(column: str, dtype: str) -> tuple[Any, Any]:
    if dtype == "object":
        return Annotated[str | None, Field(min_length=1, max_length=100)], None
    number: Any = int if dtype == "int64" else float
    constraints = _constraints(column)
    typed: Any = Annotated[number, *constraints] if constraints else number
    return typed | None, (... if column in REQUIRED_FIELDS else None)


def _application_model() -> type[Strict]:
    table = schema("application_test")
    fields: dict[str, Any] = {
        c: _field(c, d) for c, d in zip(table.columns, table.dtypes, strict=True)
    }
    model = create_model(
        "Application",
        __base__=Strict,
        __doc__=(
            "Raw fields of a loan application, named as in the Kaggle application table. Only "
            f"{', '.join(REQUIRED_FIELDS)} are required; a field left out is missing, as for a "
            "client who did not give it. Categorical fields take the values of the training data."
        ),
        **fields,
    )
    model.__module__ = __name__
    return model


if TYPE_CHECKING:
    Application = Strict
else:
    Application = _application_model()


def _exactly_one(known: tuple[str, str], new: tuple[str, str], extra: str) -> dict[str, Any]:
    """The JSON schema of "give the ``known`` field or the ``new`` one, never both; ``extra``
    goes with ``new`` only" (each a name and its JSON type; left out and null are the same)."""
    (known_name, known_type), (new_name, new_type) = known, new
    null = {"type": "null"}
    return {
        "oneOf": [
            {
                "title": f"known clients: {known_name}",
                "required": [known_name],
                "properties": {known_name: {"type": known_type}, new_name: null, extra: null},
            },
            {
                "title": f"new applicants: {new_name}, optionally {extra}",
                "required": [new_name],
                "properties": {known_name: null, new_name: {"type": new_type}},
            },
        ]
    }


class PredictRequest(Strict):
    """One client: a known ``sk_id_curr`` or a new ``application`` (exactly one), the latter
    optionally with the applicant's credit ``history``."""

    model_config = ConfigDict(
        json_schema_extra=_exactly_one(
            ("sk_id_curr", "integer"), ("application", "object"), "history"
        )
    )

    sk_id_curr: Annotated[int, Ge(0)] | None = Field(None, examples=[100002])
    application: Application | None = None
    history: History | None = None

    @model_validator(mode="after")
    def _one_client(self) -> PredictRequest:
        if (self.sk_id_curr is None) == (self.application is None):
            raise ValueError("give exactly one of sk_id_curr or application")
        if self.history is not None and self.application is None:
            raise _history_without_application("history", "application")
        if self.history is not None and self.application is not None:
            _check_owner(self.application, self.history, "history")
        return self


class ExplainRequest(PredictRequest):
    """One client and how many reasons to return."""

    top_k: Annotated[int, Ge(1), Le(MAX_TOP_K)] = 10


class BatchRequest(Strict):
    """Many clients: a list of known ids or a list of new applications (exactly one).

    ``histories``, beside ``applications`` only, is a list of the same length: the credit
    history of the application at the same position, or ``null`` for one without.
    """

    model_config = ConfigDict(
        json_schema_extra=_exactly_one(
            ("sk_id_curr", "array"), ("applications", "array"), "histories"
        )
    )

    sk_id_curr: list[Annotated[int, Ge(0)]] | None = Field(
        None, min_length=1, max_length=MAX_BATCH_IDS
    )
    applications: list[Application] | None = Field(
        None, min_length=1, max_length=MAX_BATCH_APPLICATIONS
    )
    histories: list[History | None] | None = Field(
        None, min_length=1, max_length=MAX_BATCH_APPLICATIONS
    )

    @model_validator(mode="after")
    def _one_kind(self) -> BatchRequest:
        if (self.sk_id_curr is None) == (self.applications is None):
            raise ValueError("give exactly one of sk_id_curr or applications")
        if self.histories is None:
            return self
        if self.applications is None:
            raise _history_without_application("histories", "applications")
        if len(self.histories) != len(self.applications):
            message = (
                "{given} histories for {needed} applications: give one per application, "
                "null for one without"
            )
            context = {"given": len(self.histories), "needed": len(self.applications)}
            raise _fault("histories", "histories_length", message, context)
        for position, (application, history) in enumerate(
            zip(self.applications, self.histories, strict=True)
        ):
            if history is not None:
                _check_owner(application, history, "histories", position)
        return self


def _history_without_application(field: str, needed: str) -> ValidationError:
    message = "{field} goes with {needed} only: a known client's history is already on file"
    context = {"field": field, "needed": needed}
    return _fault(field, "history_without_application", message, context)


def _fault(
    field: str, kind: LiteralString, message: LiteralString, context: dict[str, Any]
) -> ValidationError:
    """An error located at ``field`` (a model validator's own ``ValueError`` has no location)."""
    fault: InitErrorDetails = {
        "type": PydanticCustomError(kind, message, context),
        "loc": (field,),
        "input": None,
    }
    return ValidationError.from_exception_data("Request", [fault])


def _check_owner(application: Strict, history: History, *where: str | int) -> None:
    """Every history row giving SK_ID_CURR gives the application's (when it gives one)."""
    faults = history.other_clients(getattr(application, "SK_ID_CURR", None), *where)
    if faults:
        raise ValidationError.from_exception_data("Request", faults)


class ReasonCode(BaseModel):
    """One reason a refusal can be explained by: a stable code and a sentence for the client."""

    code: str = Field(examples=["R05"])
    text: str = Field(examples=["Several instalments on earlier loans were paid late."])


class ReasonCodeInfo(ReasonCode):
    """A published reason code with its short title; ``refusal_reason`` is false for a group
    never given as a reason for a refusal (age)."""

    title: str
    refusal_reason: bool


class GroupContribution(BaseModel):
    """One reason group's summed push on the client's log-odds of default (positive: riskier),
    measured from the average training client."""

    code: str
    title: str
    text: str
    contribution: float
    features: list[str]
    """The model features of the group, largest push first."""
    refusal_reason: bool


class Score(BaseModel):
    """A client's calibrated probability of default, the decision at the threshold of the model
    that scored them, and which model that was."""

    sk_id_curr: int | None
    probability: float
    threshold: float
    decision: Decision
    scored_on: ScoredOn
    model_version: str
    reason_codes: list[ReasonCode] = Field(default_factory=list)
    """For a refusal, the (at most four) facts that raised the client's risk the most, largest
    first; empty for an acceptance."""


class Prediction(Score):
    """One client's score, with the kind of data the model learnt from."""

    data_kind: str


class BatchPrediction(BaseModel):
    """Scores of a batch, in the order asked (each says which model scored it)."""

    data_kind: str
    predictions: list[Score]


class Reason(BaseModel):
    """One feature's push on the client's log-odds of default (positive: riskier)."""

    feature: str
    description: str
    value: float | int | str | None
    contribution: float
    effect: Literal["raises risk", "lowers risk"]


class CardPoints(BaseModel):
    """One feature of a points scorecard for the client: the bin their value falls in and the
    points it gives."""

    feature: str
    name: str
    """The feature's readable description."""
    bin: str = Field(examples=["[0.2, 0.45)"])
    points: float
    lost: float
    """Points below the feature's best bin: a refusal's reasons are the largest of these."""


class ScorecardPoints(BaseModel):
    """A points scorecard's score of the client: ``total`` is the sum of the features' points
    (more points, lower risk); a client with ``cutoff`` points or fewer is refused."""

    features: list[CardPoints]
    """Every feature on the card, in the card's order (most informative first)."""
    total: float
    cutoff: float
    """The decision threshold in points."""


class Explanation(Prediction):
    """Why the client got their score: ``base + sum(reasons) + other == logit(probability)``."""

    base: float
    reasons: list[Reason]
    other: float
    """The summed contributions of every feature outside the top ``k``."""
    groups: list[GroupContribution] = Field(default_factory=list)
    """Every reason group, largest push first: ``base + sum(groups) == logit(probability)``."""
    points: ScorecardPoints | None = None
    """When a points scorecard scored the client: their points per feature, total and cut-off;
    ``null`` for any other model."""


class ModelSummary(BaseModel):
    """One served champion: what it is, what it uses and how it fared."""

    scored_on: ScoredOn
    name: str
    version: str
    threshold: float
    trained_at: str
    metrics: dict[str, float]
    features: list[str]
    """The model's input features, in order."""


class ModelInfo(BaseModel):
    """What is being served. ``metrics`` keys starting with ``cv_`` or ``oof_`` are out-of-fold
    figures on the training clients (they chose the champion); ``holdout_*``, ``business_cost``,
    ``accuracy``, ``recall`` and ``brier*`` are measured once on held-out clients
    (``figure_kinds`` says so)."""

    name: str
    version: str
    bento_model: str
    metrics: dict[str, float]
    threshold: float
    trained_at: str
    packaged_at: str
    feature_count: int
    known_clients: int
    data_kind: str
    mlflow_run_id: str | None = None
    registered_version: str | None = None
    features: list[str] = Field(default_factory=list)
    """The history champion's input features."""
    excluded_attributes: dict[str, str] = Field(default_factory=dict)
    """Attributes kept out of every model on purpose, with the reason."""
    figure_kinds: dict[str, list[str]] = Field(default_factory=dict)
    models: list[ModelSummary] = Field(default_factory=list)
    """Every served champion: ``history`` and, when packaged, ``application_only``."""
