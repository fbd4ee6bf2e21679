"""The API's answers for the explainer: what-ifs, applications, feature values and facts.

The explainer page is a client of the API like any other; these endpoints give it what it shows
beside scores and reasons, so it never reaches into the scorer:

- ``POST /what_if``: a known client's score before and after changes to their application
  (logged with origin ``what_if``: a hypothetical application, never a decision);
- ``POST /application``: the raw application fields a known client's feature row keeps;
- ``POST /client_features``: some feature values of known clients;
- ``POST /population``: a fixed random sample of known clients with their probabilities;
- ``GET /features``: every model feature's description and importance, and the categories.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from annotated_types import Ge
from pydantic import BaseModel, Field, JsonValue, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from credit_assets.serving.schemas import Prediction
from credit_assets.serving.strict import Strict

if TYPE_CHECKING:
    import pandas as pd

    # The scorer brings LightGBM and scikit-learn: the `bentoml serve` parent imports these
    # request models, never the scorer.
    from credit_assets.serving.scorer import Scorer

MAX_FEATURES = 200
MAX_SAMPLE = 20_000
MAX_IDS = 1_000
MAX_SEED = 2**32 - 1
"""The largest seed NumPy's random state takes (32 bits)."""


class WhatIfRequest(Strict):
    """A known client and the raw application fields to change (``null`` makes one missing)."""

    sk_id_curr: int = Field(ge=0, examples=[100002])
    changes: dict[str, JsonValue] = Field(min_length=1, examples=[{"EXT_SOURCE_3": 0.2}])


class WhatIf(BaseModel):
    """The client's score as it is and as it would be with the changes."""

    before: Prediction
    after: Prediction


class ApplicationRequest(Strict):
    """A known client."""

    sk_id_curr: int = Field(ge=0, examples=[100002])


class ClientApplication(BaseModel):
    """The raw application fields a known client's feature row keeps (Kaggle names and units);
    fields it does not keep are left out."""

    sk_id_curr: int
    application: dict[str, float | int | str | None]


class ClientFeaturesRequest(Strict):
    """Known clients and the model features wanted."""

    sk_id_curr: list[Annotated[int, Ge(0)]] = Field(min_length=1, max_length=MAX_IDS)
    features: list[str] = Field(min_length=1, max_length=MAX_FEATURES)


class ClientFeatures(BaseModel):
    """Feature values of known clients, column by column in the order asked (missing: null)."""

    sk_id_curr: list[int]
    features: dict[str, list[float | int | str | None]]


class PopulationRequest(Strict):
    """How many known clients to draw (the same clients for the same ``seed``), and which
    model features to return for them."""

    size: int = Field(3_000, ge=1, le=MAX_SAMPLE)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    features: list[str] = Field(min_length=1, max_length=MAX_FEATURES)


class PopulationSample(ClientFeatures):
    """A random sample of known clients: their feature values and probabilities of default."""

    probability: list[float]


class FeatureFact(BaseModel):
    """One input of the history champion."""

    name: str
    description: str
    importance: float
    numeric: bool


class FeatureFacts(BaseModel):
    """The history champion's features, most important first, and the values each categorical
    application field takes in the training data."""

    features: list[FeatureFact]
    categories: dict[str, list[str]]


def what_if(scorer: Scorer, request: WhatIfRequest) -> WhatIf:
    """The client's score before and after ``request.changes``.

    Raises:
        UnknownClientError: if the client is not known.
        ValidationError: naming the field, when the changed application is not valid.
    """
    before = scorer.predict_ids([request.sk_id_curr])[0]
    return WhatIf(before=before, after=scorer.what_if(request.sk_id_curr, request.changes))


def application(scorer: Scorer, request: ApplicationRequest) -> ClientApplication:
    """The raw application of a known client (raises ``UnknownClientError``)."""
    return ClientApplication(
        sk_id_curr=request.sk_id_curr, application=scorer.application(request.sk_id_curr)
    )


def client_features(scorer: Scorer, request: ClientFeaturesRequest) -> ClientFeatures:
    """Some feature values of known clients (raises ``UnknownClientError``, or a
    ``ValidationError`` naming a feature the model does not use)."""
    _check_features(scorer, request.features)
    rows = scorer.known_features(request.sk_id_curr)
    return ClientFeatures(sk_id_curr=request.sk_id_curr, features=_columns(rows, request.features))


def population(scorer: Scorer, request: PopulationRequest) -> PopulationSample:
    """A fixed random sample of known clients with their probabilities of default."""
    _check_features(scorer, request.features)
    known = scorer.clients.features
    sample = known.sample(min(request.size, len(known)), random_state=request.seed)
    probability = scorer.model.predict_proba(sample)
    return PopulationSample(
        sk_id_curr=[int(i) for i in sample.index],
        features=_columns(sample, request.features),
        probability=[float(p) for p in probability],
    )


def feature_facts(scorer: Scorer) -> FeatureFacts:
    """The history champion's features with descriptions and importance, and the categories."""
    from pandas.api.types import is_numeric_dtype  # the service's workers have pandas loaded

    known = scorer.clients.features
    ranked = scorer.importance(top=len(scorer.model.feature_names))
    return FeatureFacts(
        features=[
            FeatureFact(
                name=name,
                description=description,
                importance=importance,
                numeric=bool(is_numeric_dtype(known[name])),
            )
            for name, description, importance in ranked
        ],
        categories={field: sorted(values) for field, values in scorer.categories.items()},
    )


def _check_features(scorer: Scorer, features: list[str]) -> None:
    known = set(scorer.model.feature_names)
    errors: list[InitErrorDetails] = [
        {
            "type": PydanticCustomError(
                "unknown_feature", "{name} is not a feature of the model", {"name": name}
            ),
            "loc": ("features", position),
            "input": name,
        }
        for position, name in enumerate(features)
        if name not in known
    ]
    if errors:
        raise ValidationError.from_exception_data("Request", errors)


def _columns(rows: pd.DataFrame, features: list[str]) -> dict[str, list[Any]]:
    import pandas as pd  # loaded by then (the rows are a frame): not by the service's parent

    return {name: [_plain(v, pd.NA) for v in rows[name].tolist()] for name in features}


def _plain(value: Any, missing: Any) -> float | int | str | None:
    """A cell as JSON shows it; ``missing`` is pandas' ``NA``."""
    if value is None or value is missing:
        return None
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(f"{float(value):.7g}")
    return value.item() if isinstance(value, np.generic) else value
