"""Answers of the scoring service: predictions, explanations and model facts, from a bundle.

``Scorer`` is what the HTTP endpoints and the explainer UI both call. A known client is scored
from their stored feature row; a new applicant's row is computed by the feature layer's own
function (``credit_assets.features.serving.new_client_features``), so serving never
re-implements a feature. A known client's what-if (``what_if``) recomputes the features of their
edited application the same way and keeps their side-table features (``whatif``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from credit_assets.features.application import application_features
from credit_assets.features.build import clean
from credit_assets.features.history import HistoryRows, has_rows
from credit_assets.features.serving import FeatureSpec, new_client_features, raw_application
from credit_assets.models import ScoringModel
from credit_assets.serving import bundle, whatif
from credit_assets.serving.bundle import ModelCard
from credit_assets.serving.history import HistoryRules
from credit_assets.serving.schemas import (
    Application,
    BatchPrediction,
    BatchRequest,
    ExplainRequest,
    Explanation,
    ModelInfo,
    Prediction,
    PredictRequest,
    Reason,
    Score,
)
from credit_assets.serving.store import ClientStore, UnknownClientError

__all__ = ["Scorer", "UnknownClientError"]


class Scorer:
    """The champion with its known clients, descriptions and card, ready to answer."""

    def __init__(
        self,
        model: ScoringModel,
        clients: ClientStore,
        spec: FeatureSpec,
        categories: Mapping[str, Sequence[str]],
        descriptions: Mapping[str, str],
        card: ModelCard,
        bento_model: str = "",
    ) -> None:
        self.model = model
        self.clients = clients
        self.categories = {field: frozenset(values) for field, values in categories.items()}
        self.descriptions = dict(descriptions)
        self.card = card
        self.bento_model = bento_model
        self.spec = spec
        """Every feature column of the client table (a new applicant's with a credit history)."""
        self.application_spec = _application_part(spec)
        """The feature columns a raw application alone produces (a new applicant's)."""

    @classmethod
    def load(cls, folder: Path, bento_model: str = "") -> Scorer:
        """The scorer of a bundle written by :func:`credit_assets.serving.bundle.write_bundle`."""
        model = ScoringModel.load(folder / bundle.MODEL_FILE)
        return cls(
            model=model,
            clients=ClientStore.read(folder / bundle.CLIENTS_FILE, model.feature_names),
            spec=FeatureSpec.load(folder / bundle.SPEC_FILE),
            categories=json.loads((folder / bundle.CATEGORIES_FILE).read_text()),
            descriptions=json.loads((folder / bundle.DESCRIPTIONS_FILE).read_text()),
            card=ModelCard.load(folder / bundle.CARD_FILE),
            bento_model=bento_model,
        )

    def known_features(self, ids: Sequence[int]) -> pd.DataFrame:
        """Feature rows of known clients (raises :class:`UnknownClientError`)."""
        return self.clients.rows(ids)

    def new_features(
        self,
        applications: Sequence[BaseModel | Mapping[str, Any]],
        field: str = "application",
        histories: Sequence[HistoryRules | HistoryRows | None] | None = None,
    ) -> pd.DataFrame:
        """Feature rows of new applicants from their raw application fields and, for those
        who have one, their credit history (``histories`` parallel to ``applications``).

        Raises:
            ValidationError: naming ``field`` (with the position in a batch) and the
                categorical field whose value the model never saw.
        """
        records = [a.model_dump(exclude_none=True) if isinstance(a, BaseModel) else dict(a)
                   for a in applications]  # fmt: skip
        self._check_categories(records, field)
        rows = [h.tables() if isinstance(h, HistoryRules) else h for h in histories or ()]
        if has_rows(rows):
            return new_client_features(records, self.spec, rows)
        # Without history the side-table features are missing; the model reads absent columns
        # as missing, so only the application part is computed (and aligned) here.
        return new_client_features(records, self.application_spec)

    def application(self, sk_id: int) -> dict[str, Any]:
        """The raw application fields of a known client, as far as their feature row keeps
        them (raises :class:`UnknownClientError`)."""
        return whatif.application_of(self.known_features([sk_id]).iloc[0])

    def edited_features(self, sk_id: int, changes: Mapping[str, Any]) -> pd.DataFrame:
        """A known client's feature row after ``changes`` to raw application fields.

        The application features are recomputed by the feature layer; the side-table features
        and every feature the changes do not touch keep the stored values. A field set to
        ``None`` becomes missing.

        Raises:
            UnknownClientError: if ``sk_id`` is not a known client.
            ValidationError: naming the field, when a changed application is not valid.
        """
        stored = self.known_features([sk_id])
        before = whatif.application_of(stored.iloc[0])
        after = {**before, **changes}
        Application.model_validate(after)
        self._check_categories([after], "application")
        return whatif.edited_row(stored, before, after, self.application_spec)

    def what_if(self, sk_id: int, changes: Mapping[str, Any]) -> Prediction:
        """A known client's probability and decision had their application said ``changes``
        (raises as :meth:`edited_features`)."""
        return self._predictions(self.edited_features(sk_id, changes), [sk_id])[0]

    def predict(self, request: PredictRequest) -> Prediction:
        """One client's probability of default and decision."""
        frame, ids = self._client(request)
        return self._predictions(frame, ids)[0]

    def predict_ids(self, ids: Sequence[int]) -> list[Prediction]:
        """Known clients' predictions, in order (raises :class:`UnknownClientError`)."""
        return self._predictions(self.known_features(ids), list(ids))

    def predict_applications(
        self,
        applications: Sequence[Application],
        histories: Sequence[HistoryRules | None] | None = None,
    ) -> list[Prediction]:
        """New applicants' predictions, in order, from one feature computation for all
        (``histories``: each applicant's credit history or ``None``, parallel)."""
        frame = self.new_features(applications, histories=histories)
        return self._predictions(frame, _ids_of(applications))

    def predict_new(self, requests: Sequence[PredictRequest]) -> list[Prediction]:
        """The predictions of requests for new applicants (each with its own history, if any),
        in order, from one feature computation for all."""
        applications = [cast(Application, r.application) for r in requests]
        return self.predict_applications(applications, [r.history for r in requests])

    def predict_batch(self, request: BatchRequest) -> BatchPrediction:
        """Scores of many clients, in the order asked."""
        if request.sk_id_curr is not None:
            ids: list[int | None] = list(request.sk_id_curr)
            frame = self.known_features(request.sk_id_curr)
        else:
            applications = request.applications or []
            ids = _ids_of(applications)
            frame = self.new_features(applications, "applications", request.histories)
        proba = self.model.predict_proba(frame)
        decisions = self.model.decide(proba).tolist()
        scores = [
            Score(sk_id_curr=i, probability=p, decision=d)
            for i, p, d in zip(ids, proba.tolist(), decisions, strict=True)
        ]
        return BatchPrediction(
            threshold=self.card.threshold,
            model_version=self.card.version,
            data_kind=self.card.data_kind,
            predictions=scores,
        )

    def explain(self, request: ExplainRequest) -> Explanation:
        """The ``top_k`` features pushing the client's score most, with their values."""
        frame, ids = self._client(request)
        found = self.model.explain(frame, top_k=request.top_k)[0]
        reasons = [
            Reason(
                feature=c.feature,
                description=self.descriptions.get(c.feature, c.feature),
                value=_readable(c.value),
                contribution=c.contribution,
                effect="raises risk" if c.contribution > 0 else "lowers risk",
            )
            for c in found.contributions
        ]
        return Explanation(
            **self._prediction_fields(ids[0], found.probability, found.decision),
            base=found.base,
            reasons=reasons,
            other=found.other,
        )

    def info(self) -> ModelInfo:
        """Name, version, metrics, threshold, dates, sizes and data kind of the served model."""
        card = self.card
        return ModelInfo(
            name=card.name,
            version=card.version,
            bento_model=self.bento_model,
            metrics=card.metrics,
            threshold=card.threshold,
            trained_at=card.trained_at,
            packaged_at=card.packaged_at,
            feature_count=card.feature_count,
            known_clients=card.known_clients,
            data_kind=card.data_kind,
            mlflow_run_id=card.mlflow_run_id,
            registered_version=card.registered_version,
        )

    def importance(self, top: int = 20) -> list[tuple[str, str, float]]:
        """The model's global feature importance: ``(feature, description, importance)``."""
        ranked = self.model.feature_importance().sort_values(ascending=False).head(top)
        return [
            (str(f), self.descriptions.get(str(f), str(f)), float(v)) for f, v in ranked.items()
        ]

    def _client(self, request: PredictRequest) -> tuple[pd.DataFrame, list[int | None]]:
        application = request.application
        if application is None:  # the request holds exactly one of the two
            sk_id = cast(int, request.sk_id_curr)
            return self.known_features([sk_id]), [sk_id]
        return self.new_features([application], histories=[request.history]), _ids_of([application])

    def _predictions(self, frame: pd.DataFrame, ids: Sequence[int | None]) -> list[Prediction]:
        proba = self.model.predict_proba(frame)
        decisions = self.model.decide(proba).tolist()
        return [
            Prediction(**self._prediction_fields(i, p, d))
            for i, p, d in zip(ids, proba.tolist(), decisions, strict=True)
        ]

    def _prediction_fields(self, sk_id: int | None, proba: float, decision: str) -> dict[str, Any]:
        return {
            "sk_id_curr": sk_id,
            "probability": proba,
            "threshold": self.card.threshold,
            "decision": decision,
            "model_version": self.card.version,
            "data_kind": self.card.data_kind,
        }

    def _check_categories(self, records: Sequence[Mapping[str, Any]], field: str) -> None:
        errors: list[InitErrorDetails] = []
        for position, record in enumerate(records):
            where: tuple[str | int, ...] = (field, position) if field.endswith("s") else (field,)
            for column, known in self.categories.items():
                value = record.get(column)
                if value is not None and value not in known:
                    message = "unknown value '{value}'; the model knows: {known}"
                    context = {"value": value, "known": ", ".join(sorted(known))}
                    errors.append(
                        {
                            "type": PydanticCustomError("unknown_category", message, context),
                            "loc": (*where, column),
                            "input": value,
                        }
                    )
        if errors:
            raise ValidationError.from_exception_data("Application", errors)


def _application_part(spec: FeatureSpec) -> FeatureSpec:
    """The columns of ``spec`` that a raw application alone produces."""
    produced = set(clean(application_features(raw_application({}).lazy()).collect()).columns)
    return FeatureSpec(
        tuple(c for c in spec.columns if c in produced),
        tuple(c for c in spec.categorical if c in produced),
    )


def _readable(value: Any) -> float | int | str | None:
    """A feature value as JSON shows it: float32 noise rounded away (7 significant digits)."""
    if isinstance(value, float | np.floating):
        return float(f"{float(value):.7g}")
    return value


def _ids_of(applications: Sequence[BaseModel | Mapping[str, Any]]) -> list[int | None]:
    """The ``SK_ID_CURR`` each new application gives, if any (it is optional)."""
    return [getattr(a, "SK_ID_CURR", None) for a in applications]
