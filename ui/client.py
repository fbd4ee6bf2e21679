"""The explainer's client of the scoring API: every answer it shows comes through here.

Its calls are validated and logged by the service like anyone's. Scores and explanations are
asked with ``X-Credit-Origin: explainer``, so the prediction log marks them as the explainer's;
what-ifs go to ``POST /what_if``, which logs them as ``what_if``. Neither counts as live traffic
in the drift report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from credit_assets.serving.lookups import (
    ClientApplication,
    ClientFeatures,
    FeatureFacts,
    PopulationSample,
    WhatIf,
)
from credit_assets.serving.schemas import Explanation, ModelInfo, Prediction

ORIGIN_HEADER = "X-Credit-Origin"


class UnknownClient(Exception):
    """The API answered 404: no such known client."""


class Refused(Exception):
    """The API refused the request (4xx); the message is its own, ``problems`` the fields it
    named (Pydantic's error entries: ``loc``, ``msg``), if any."""

    def __init__(self, message: str, problems: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class ScorerApi:
    """Typed calls to the scoring API over ``http`` (any ``httpx.Client``: a real connection,
    or Starlette's ``TestClient`` on the service's ASGI app in tests)."""

    def __init__(self, http: httpx.Client, key: str | None = None) -> None:
        self.http = http
        self.headers = {ORIGIN_HEADER: "explainer", **({"X-API-Key": key} if key else {})}

    @classmethod
    def connect(cls, url: str, key: str | None = None, timeout: float = 60.0) -> ScorerApi:
        """A client of the API at ``url`` (never through a proxy: it is a local address)."""
        return cls(httpx.Client(base_url=url, timeout=timeout, trust_env=False), key)

    def live(self) -> bool:
        """Whether the API answers (its /livez)."""
        try:
            return self.http.get("/livez").status_code == 200
        except httpx.TransportError:
            return False

    def model_info(self) -> ModelInfo:
        return ModelInfo.model_validate(self._call("GET", "/model_info"))

    def features(self) -> FeatureFacts:
        return FeatureFacts.model_validate(self._call("GET", "/features"))

    def explain(self, sk_id: int, top_k: int) -> Explanation:
        body = {"sk_id_curr": sk_id, "top_k": top_k}
        return Explanation.model_validate(self._call("POST", "/explain", body))

    def predict(self, body: Mapping[str, Any]) -> Prediction:
        return Prediction.model_validate(self._call("POST", "/predict", body))

    def what_if(self, sk_id: int, changes: Mapping[str, Any]) -> WhatIf:
        body = {"sk_id_curr": sk_id, "changes": dict(changes)}
        return WhatIf.model_validate(self._call("POST", "/what_if", body))

    def application(self, sk_id: int) -> dict[str, Any]:
        answer = self._call("POST", "/application", {"sk_id_curr": sk_id})
        return ClientApplication.model_validate(answer).application

    def client_features(self, sk_id: int, features: list[str]) -> dict[str, Any]:
        body = {"sk_id_curr": [sk_id], "features": features}
        answer = ClientFeatures.model_validate(self._call("POST", "/client_features", body))
        return {name: values[0] for name, values in answer.features.items()}

    def population(self, features: list[str], size: int, seed: int = 0) -> PopulationSample:
        body = {"features": features, "size": size, "seed": seed}
        return PopulationSample.model_validate(self._call("POST", "/population", body))

    def validation_report(self) -> str | None:
        """The served champion's validation report (HTML), ``None`` when the model carries
        none."""
        answer = self.http.get("/validation", headers=self.headers)
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        return answer.text

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        answer = self.http.request(method, path, json=body, headers=self.headers)
        if answer.status_code == 404:
            raise UnknownClient(answer.text)
        if 400 <= answer.status_code < 500:
            raise _refusal(answer)
        answer.raise_for_status()
        return answer.json()


def _refusal(answer: httpx.Response) -> Refused:
    try:
        said = answer.json()
    except ValueError:
        return Refused(answer.text)
    if not isinstance(said, dict):
        return Refused(str(said))
    detail = said.get("detail")
    problems = (
        [p for p in detail if isinstance(p, dict) and "loc" in p]
        if isinstance(detail, list)
        else []
    )
    return Refused(str(said.get("error", said)), problems)
