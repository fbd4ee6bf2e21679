"""Answers of the scoring service: predictions, explanations and model facts, from a bundle.

``Scorer`` is what the HTTP endpoints and the explainer UI both call. A known client is scored
from their stored feature row by the history champion; a new applicant's row is computed by the
feature layer's own function (``credit_assets.features.serving.new_client_features``), so
serving never re-implements a feature. An applicant sent without credit history is scored by the
application-only champion, trained for exactly that; every answer says which model scored it
(``scored_on``). A known client's what-if (``what_if``) recomputes the features of their
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

from credit_assets.features.feature_sets import FIGURE_KINDS, PROTECTED_ATTRIBUTES, application_part
from credit_assets.features.history import has_rows
from credit_assets.features.rows import HistoryRows
from credit_assets.features.serving import FeatureSpec, new_client_features
from credit_assets.models import ScoringModel
from credit_assets.serving import bundle, whatif
from credit_assets.serving.bundle import ModelCard
from credit_assets.serving.history import HistoryRules
from credit_assets.serving.known import ANSWERS_FILE, KnownAnswers
from credit_assets.serving.points import scorecard_points
from credit_assets.serving.refusals import ModelReasons, published_codes
from credit_assets.serving.schemas import (
    Application,
    BatchPrediction,
    BatchRequest,
    ExplainRequest,
    Explanation,
    ModelInfo,
    ModelSummary,
    Prediction,
    PredictRequest,
    Reason,
    ReasonCodeInfo,
    Score,
    ScoredOn,
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
        application_model: ScoringModel | None = None,
        application_card: ModelCard | None = None,
        known: KnownAnswers | None = None,
    ) -> None:
        self.model = model
        self.application_model = application_model
        """The application-only champion (``None`` in bundles packaged before it existed: then
        the history champion scores applications without history, and says so)."""
        self.application_card = application_card
        self.clients = clients
        self.categories = {field: frozenset(values) for field, values in categories.items()}
        self.descriptions = dict(descriptions)
        self.card = card
        self.bento_model = bento_model
        self.spec = spec
        """Every feature column of the client table (a new applicant's with a credit history)."""
        self.application_spec = application_part(spec)
        """The feature columns a raw application alone produces (a new applicant's)."""
        self.reasons = {id(m): ModelReasons(m) for _, m in self._models()}
        """Each served champion's reason groups, keyed by the model's identity."""
        self.known = known
        """The known clients' answers computed at packaging (``None`` in older bundles)."""

    @classmethod
    def load(cls, folder: Path, bento_model: str = "") -> Scorer:
        """The scorer of a bundle written by :func:`credit_assets.serving.bundle.write_bundle`."""
        model = ScoringModel.load(folder / bundle.MODEL_FILE)
        application = folder / bundle.APPLICATION_MODEL_FILE
        application_card = folder / bundle.APPLICATION_CARD_FILE
        clients = ClientStore.read(bundle.clients_file(folder), model.feature_names)
        answers = folder / ANSWERS_FILE
        return cls(
            model=model,
            clients=clients,
            spec=FeatureSpec.load(folder / bundle.SPEC_FILE),
            categories=json.loads((folder / bundle.CATEGORIES_FILE).read_text()),
            descriptions=json.loads((folder / bundle.DESCRIPTIONS_FILE).read_text()),
            card=ModelCard.load(folder / bundle.CARD_FILE),
            bento_model=bento_model,
            application_model=ScoringModel.load(application) if application.exists() else None,
            application_card=(
                ModelCard.load(application_card) if application_card.exists() else None
            ),
            known=KnownAnswers.read(answers, clients.ids) if answers.exists() else None,
        )

    def model_for(self, scored_on: ScoredOn) -> tuple[ScoringModel, ScoredOn]:
        """The champion that scores ``scored_on`` clients, and what it really is."""
        if scored_on == "application_only" and self.application_model is not None:
            return self.application_model, "application_only"
        return self.model, "history"

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
        rows = [h.checked() if isinstance(h, HistoryRules) else h for h in histories or ()]
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
        return self._predictions(self.edited_features(sk_id, changes), [sk_id], "history")[0]

    def predict(self, request: PredictRequest) -> Prediction:
        """One client's probability of default and decision."""
        if request.application is None:  # the request holds exactly one of the two
            return self.predict_ids([cast(int, request.sk_id_curr)])[0]
        frame, ids, scored_on = self._client(request)
        return self._predictions(frame, ids, scored_on)[0]

    def predict_ids(self, ids: Sequence[int]) -> list[Prediction]:
        """Known clients' predictions, in order (raises :class:`UnknownClientError`): the
        probabilities are looked up in those computed at packaging when they are the served
        champion's."""
        known = self.known
        if known is None or known.model_version != self.model.version:
            return self._predictions(self.known_features(ids), list(ids), "history")
        positions = self.clients.positions(ids)
        proba = known.probability[positions]
        decisions = self.model.decide(proba).tolist()
        codes = known.codes(positions)
        if codes is None:  # not packaged with the answers: only the refused, from their rows
            frame = self.clients.features.take(positions)
            codes = self._reasons_of(self.model).codes(frame, decisions)
        return [
            Prediction(**self._prediction_fields(i, p, d, "history"), reason_codes=c)
            for i, p, d, c in zip(ids, proba.tolist(), decisions, codes, strict=True)
        ]

    def predict_applications(
        self,
        applications: Sequence[Application],
        histories: Sequence[HistoryRules | None] | None = None,
        field: str = "application",
    ) -> list[Prediction]:
        """New applicants' predictions, in order, from one feature computation for all
        (``histories``: each applicant's credit history or ``None``, parallel). An applicant
        with a history (even an empty one: no record anywhere) is scored by the history
        champion, one without by the application-only champion."""
        frame = self.new_features(applications, field, histories)
        kinds: list[ScoredOn] = [
            "application_only" if h is None else "history"
            for h in (histories or [None] * len(applications))
        ]
        ids = _ids_of(applications)
        answers: list[Prediction | None] = [None] * len(applications)
        for kind in set(kinds):
            rows = [i for i, k in enumerate(kinds) if k == kind]
            # One kind for all (a lone request): the whole frame, not a copy of its ~700 columns.
            part = frame if len(rows) == len(frame) else frame.iloc[rows]
            scored = self._predictions(part, [ids[i] for i in rows], kind)
            for row, answer in zip(rows, scored, strict=True):
                answers[row] = answer
        return cast(list[Prediction], answers)

    def predict_new(self, requests: Sequence[PredictRequest]) -> list[Prediction]:
        """The predictions of requests for new applicants (each with its own history, if any),
        in order, from one feature computation for all."""
        applications = [cast(Application, r.application) for r in requests]
        return self.predict_applications(applications, [r.history for r in requests])

    def predict_batch(self, request: BatchRequest) -> BatchPrediction:
        """Scores of many clients, in the order asked."""
        if request.sk_id_curr is not None:
            predictions = self.predict_ids(request.sk_id_curr)
        else:
            predictions = self.predict_applications(
                request.applications or [], request.histories, field="applications"
            )
        return BatchPrediction(
            data_kind=self.card.data_kind,
            predictions=[Score(**p.model_dump(exclude={"data_kind"})) for p in predictions],
        )

    def explain(self, request: ExplainRequest) -> Explanation:
        """The ``top_k`` features pushing the client's score most, with their values (and, when
        a points scorecard scored the client, their points per card feature)."""
        frame, ids, wanted = self._client(request)
        model, scored_on = self.model_for(wanted)
        # One contribution computation serves the top features, the groups and the codes.
        contributions = model.feature_contributions(frame)
        found = model.explain(frame, top_k=request.top_k, contributions=contributions)[0]
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
        explainer = self._reasons_of(model)
        return Explanation(
            **self._prediction_fields(ids[0], found.probability, found.decision, scored_on),
            reason_codes=explainer.codes(frame, [found.decision], contributions[1])[0],
            base=found.base,
            reasons=reasons,
            other=found.other,
            groups=explainer.explain(frame, contributions[1]),
            points=scorecard_points(model, frame, self.descriptions),
        )

    def reason_codes(self) -> list[ReasonCodeInfo]:
        """Every reason code a refusal can be given, with its title and sentence."""
        return published_codes()

    def _reasons_of(self, model: ScoringModel) -> ModelReasons:
        # A champion swapped in after construction (tests do) gets its grouping on first use.
        found = self.reasons.get(id(model))
        if found is None or found.model is not model:
            found = self.reasons[id(model)] = ModelReasons(model)
        return found

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
            features=list(self.model.feature_names),
            excluded_attributes={
                a: "protected attribute: never a model input nor a reason; kept for monitoring"
                for a in PROTECTED_ATTRIBUTES
            },
            figure_kinds={kind: text.split(", ") for kind, text in FIGURE_KINDS.items()},
            models=[
                ModelSummary(
                    scored_on=scored_on,
                    name=model.name,
                    version=model.version,
                    threshold=model.threshold,
                    trained_at=model.trained_at,
                    metrics={k: float(v) for k, v in model.metrics.items()},
                    features=list(model.feature_names),
                )
                for scored_on, model in self._models()
            ],
        )

    def _models(self) -> list[tuple[ScoredOn, ScoringModel]]:
        served: list[tuple[ScoredOn, ScoringModel]] = [("history", self.model)]
        if self.application_model is not None:
            served.append(("application_only", self.application_model))
        return served

    def importance(self, top: int = 20) -> list[tuple[str, str, float]]:
        """The model's global feature importance: ``(feature, description, importance)``."""
        ranked = self.model.feature_importance().sort_values(ascending=False).head(top)
        return [
            (str(f), self.descriptions.get(str(f), str(f)), float(v)) for f, v in ranked.items()
        ]

    def _client(self, request: PredictRequest) -> tuple[pd.DataFrame, list[int | None], ScoredOn]:
        application = request.application
        if application is None:  # the request holds exactly one of the two
            sk_id = cast(int, request.sk_id_curr)
            return self.known_features([sk_id]), [sk_id], "history"
        frame = self.new_features([application], histories=[request.history])
        scored_on: ScoredOn = "application_only" if request.history is None else "history"
        return frame, _ids_of([application]), scored_on

    def _predictions(
        self, frame: pd.DataFrame, ids: Sequence[int | None], scored_on: ScoredOn
    ) -> list[Prediction]:
        model, scored_on = self.model_for(scored_on)
        proba = model.predict_proba(frame)
        decisions = model.decide(proba).tolist()
        codes = self._reasons_of(model).codes(frame, decisions)
        return [
            Prediction(**self._prediction_fields(i, p, d, scored_on), reason_codes=c)
            for i, p, d, c in zip(ids, proba.tolist(), decisions, codes, strict=True)
        ]

    def _prediction_fields(
        self, sk_id: int | None, proba: float, decision: str, scored_on: ScoredOn
    ) -> dict[str, Any]:
        model, scored_on = self.model_for(scored_on)
        return {
            "sk_id_curr": sk_id,
            "probability": proba,
            "threshold": model.threshold,
            "decision": decision,
            "scored_on": scored_on,
            "model_version": model.version,
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


def _readable(value: Any) -> float | int | str | None:
    """A feature value as JSON shows it: float32 noise rounded away (7 significant digits)."""
    if isinstance(value, float | np.floating):
        return float(f"{float(value):.7g}")
    return value


def _ids_of(applications: Sequence[BaseModel | Mapping[str, Any]]) -> list[int | None]:
    """The ``SK_ID_CURR`` each new application gives, if any (it is optional)."""
    return [getattr(a, "SK_ID_CURR", None) for a in applications]
