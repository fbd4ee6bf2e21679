"""What travels with a served champion, in one folder (the BentoML model's folder).

- ``scoring_model.joblib``: the champion ``ScoringModel`` (preprocessing, model, calibration,
  threshold, feature names), which scores known clients and applicants sent with their history;
- ``application_only_scoring_model.joblib``: the application-only champion, which scores
  applicants sent without history (with ``application_only_card.json``, its card); the
  pipeline adds it to the staged bundle at packaging (:func:`add_application_champion`);
- ``clients.npy`` and ``clients.arrow``: the known clients' feature rows, exactly the
  champion's columns: the numbers as a matrix the service memory-maps, the ids and texts as an
  uncompressed Arrow file (``store.py``; older bundles: every column in ``clients.arrow``, or
  before it ``clients.parquet``);
- ``feature_columns.json``: those columns and which are categorical, for new applicants;
- ``categories.json``: the values each categorical application field took in the data;
- ``descriptions.json``: a readable description of every feature;
- ``card.json``: the model card (version, metrics, threshold, dates, data kind, MLflow ids);
- ``known_answers.parquet``: every known client's probability and every refused one's reason
  codes, computed by the champion at packaging (``known.py``).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from credit_assets.features.application import raw_columns
from credit_assets.features.common import KEY
from credit_assets.features.serving import FeatureSpec
from credit_assets.models import ScoringModel
from credit_assets.serving.descriptions import describe_features
from credit_assets.serving.known import write_answers
from credit_assets.serving.store import ClientStore

MODEL_FILE = "scoring_model.joblib"
CLIENTS_FILE = "clients.arrow"
"""With ``clients.npy`` beside it (:meth:`ClientStore.write`): mapped, not decoded. At full
scale (356,255 clients x 739 features) the zstd Parquet took 7.5 s to decode of the service's
start; the mapped matrix none, for four times the disk (1.1 GB)."""
LEGACY_CLIENTS_FILE = "clients.parquet"
SPEC_FILE = "feature_columns.json"
CATEGORIES_FILE = "categories.json"
DESCRIPTIONS_FILE = "descriptions.json"
CARD_FILE = "card.json"
APPLICATION_MODEL_FILE = "application_only_scoring_model.joblib"
APPLICATION_CARD_FILE = "application_only_card.json"
PLACEHOLDER_CATEGORY = "XNA"
"""Kaggle's "not available" value: the feature layer reads it as missing, so it is allowed."""


@dataclass(frozen=True)
class ModelCard:
    """The facts about a packaged champion that the service reports."""

    name: str
    version: str
    trained_at: str
    data_kind: str
    threshold: float
    metrics: dict[str, float]
    feature_count: int
    known_clients: int
    packaged_at: str
    mlflow_run_id: str | None = None
    registered_version: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    feature_set: str = "history"

    @classmethod
    def load(cls, path: Path) -> ModelCard:
        return cls(**json.loads(path.read_text()))

    @classmethod
    def of(
        cls,
        model: ScoringModel,
        known_clients: int,
        mlflow_run_id: str | None = None,
        registered_version: str | None = None,
    ) -> ModelCard:
        """The card of a champion packaged now."""
        return cls(
            name=model.name,
            version=model.version,
            trained_at=model.trained_at,
            data_kind=model.data_kind,
            threshold=float(model.threshold),
            metrics={k: float(v) for k, v in model.metrics.items()},
            feature_count=len(model.feature_names),
            known_clients=known_clients,
            packaged_at=datetime.now(UTC).isoformat(timespec="seconds"),
            mlflow_run_id=mlflow_run_id,
            registered_version=registered_version,
            feature_set=getattr(model, "feature_set", "history"),
        )

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))


def write_bundle(
    folder: Path,
    champion: Path,
    client_features: Path,
    mlflow_run_id: str | None = None,
    registered_version: str | None = None,
    application_champion: Path | None = None,
) -> ModelCard:
    """Write everything the service needs for the champion saved at ``champion`` and, when
    given, the application-only champion saved at ``application_champion``.

    Raises:
        ValueError: if the client table lacks a feature the champion was trained on (the
            features changed since training: retrain before serving).
    """
    folder.mkdir(parents=True, exist_ok=True)
    model = ScoringModel.load(champion)
    table = pl.read_parquet(client_features)
    missing = [c for c in model.feature_names if c not in table.columns]
    if missing:
        raise ValueError(
            f"the client table lacks {len(missing)} feature(s) of champion {model.version}"
            f" (e.g. {missing[:5]}): the features changed since training; retrain first"
        )
    table = table.select(KEY, *model.feature_names)
    shutil.copyfile(champion, folder / MODEL_FILE)
    ClientStore.write(table, folder / CLIENTS_FILE)
    spec = FeatureSpec.of(table)
    (folder / SPEC_FILE).write_text(spec.to_json())
    (folder / CATEGORIES_FILE).write_text(json.dumps(_categories(table, spec), indent=1))
    descriptions = describe_features(model.feature_names)
    (folder / DESCRIPTIONS_FILE).write_text(json.dumps(descriptions, indent=1))
    card = ModelCard.of(model, table.height, mlflow_run_id, registered_version)
    card.save(folder / CARD_FILE)
    write_answers(folder, model, folder / CLIENTS_FILE)
    if application_champion is not None:
        add_application_champion(folder, application_champion)
    return card


def add_application_champion(folder: Path, application_champion: Path) -> ModelCard:
    """Put the application-only champion saved at ``application_champion`` in the bundle that
    :func:`write_bundle` wrote in ``folder`` (its model and card); its card.

    The files are written anew, never through a file the folder shares with another bundle.

    Raises:
        ValueError: if the application-only champion uses a feature the bundle's client table
            lacks.
    """
    spec = FeatureSpec.load(folder / SPEC_FILE)
    application = ScoringModel.load(application_champion)
    outside = sorted(set(application.feature_names) - set(spec.columns))
    if outside:
        raise ValueError(
            f"the application-only champion {application.version} uses features the client"
            f" table of the champion lacks (e.g. {outside[:5]})"
        )
    model_file, card_file = folder / APPLICATION_MODEL_FILE, folder / APPLICATION_CARD_FILE
    for path in (model_file, card_file):
        path.unlink(missing_ok=True)  # a hard link to a staged bundle's file: left to it
    shutil.copyfile(application_champion, model_file)
    card = ModelCard.of(application, ModelCard.load(folder / CARD_FILE).known_clients)
    card.save(card_file)
    return card


def _categories(table: pl.DataFrame, spec: FeatureSpec) -> dict[str, list[str]]:
    """The values of each categorical application field in the table, plus the placeholder."""
    fields = set(raw_columns())
    return {
        column: sorted({*table.get_column(column).drop_nulls().unique(), PLACEHOLDER_CATEGORY})
        for column in spec.categorical
        if column in fields
    }


def clients_file(folder: Path) -> Path:
    """The known clients' rows in a bundle folder, whichever format it was packaged with."""
    current = folder / CLIENTS_FILE
    return current if current.exists() else folder / LEGACY_CLIENTS_FILE
