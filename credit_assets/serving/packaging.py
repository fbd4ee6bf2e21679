"""Packaging a champion for BentoML: the model in BentoML's store, then the ``credit_scorer`` Bento.

Plain functions (no Dagster): the deployment assets call them, and so can a notebook. BentoML
reads ``BENTOML_HOME`` once per process, so :func:`use_bentoml_home` must run before anything
touches its stores. The service imports the names and requirements from here, so the heavy
imports (BentoML, the bundle's pandas and Polars) happen inside the functions.
"""

from __future__ import annotations

import os
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credit_assets import settings

if TYPE_CHECKING:
    from credit_assets.serving.bundle import ModelCard

MODEL_NAME = "credit_scoring_champion"
BENTO_NAME = "credit_scorer"
SERVICE = "bento.service:CreditScorer"
BENTO_INCLUDE = [
    "bento/service.py",
    "bento/explainer.py",
    "credit_assets/__init__.py",
    "credit_assets/settings.py",
    "credit_assets/kaggle.py",
    "credit_assets/reference/*.json",
    "credit_assets/features/*.py",
    "credit_assets/models/*.py",
    "credit_assets/serving/*.py",
    "credit_assets/monitoring/__init__.py",
    "credit_assets/monitoring/prediction_log.py",
    "credit_assets/monitoring/served.py",
    "ui/*.py",
]
BENTO_LABELS = ("champion_version", "candidate", "data_kind", "mlflow_run_id")
SERVING_PACKAGES = (
    "numpy",
    "pandas",
    "pyarrow",
    "polars",
    "scipy",
    "scikit-learn",
    "lightgbm",
    "joblib",
    "pydantic",
    "fastapi",
    "gradio",
    "httpx",
    "matplotlib",
)
"""The third-party packages the service and its explainer import (checked by a test)."""


def serving_requirements() -> list[str]:
    """The serving packages pinned to the versions of this environment."""
    pins = []
    for package in SERVING_PACKAGES:
        try:
            pins.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            pins.append(package)
    return pins


def use_bentoml_home(home: Path) -> None:
    """Point this process's BentoML stores at ``home``.

    Raises:
        RuntimeError: if BentoML already uses another home in this process.
    """
    from bentoml._internal.configuration.containers import BentoMLContainer

    os.environ["BENTOML_HOME"] = str(home)
    current = Path(BentoMLContainer.bentoml_home.get())
    if current.resolve() != home.resolve():
        raise RuntimeError(f"BentoML already uses {current} in this process, not {home}")


def save_model(
    champion: Path,
    client_features: Path,
    labels: dict[str, str],
    mlflow_run_id: str | None = None,
    registered_version: str | None = None,
    application_champion: Path | None = None,
) -> tuple[str, ModelCard]:
    """Create the BentoML model ``credit_scoring_champion`` holding the serving bundle.

    Returns the model's tag and its card.
    """
    import bentoml

    from credit_assets.serving.bundle import write_bundle

    with bentoml.models.create(MODEL_NAME) as model:
        card = write_bundle(
            Path(model.path),
            champion,
            client_features,
            mlflow_run_id,
            registered_version,
            application_champion,
        )
        model.info.labels.update({**labels, **model_labels(card)})
        model.info.metadata.update(model_metadata(card))
    return str(model.tag), card


def model_labels(card: ModelCard) -> dict[str, str]:
    """BentoML labels (text) a model is found by."""
    labels = {
        "champion_version": card.version,
        "candidate": card.name,
        "data_kind": card.data_kind,
        "trained_at": card.trained_at,
    }
    if card.mlflow_run_id:
        labels["mlflow_run_id"] = card.mlflow_run_id
    if card.registered_version:
        labels["mlflow_registered_version"] = card.registered_version
    return labels


def model_metadata(card: ModelCard) -> dict[str, Any]:
    """BentoML metadata: the figures a person looks for."""
    return {
        "holdout_auc": card.metrics.get("holdout_auc"),
        "business_cost": card.metrics.get("business_cost"),
        "threshold": card.threshold,
        "trained_at": card.trained_at,
        "feature_count": card.feature_count,
        "known_clients": card.known_clients,
        "metrics": card.metrics,
    }


def build_bento(model_tag: str, build_ctx: Path = settings.PROJECT_ROOT) -> Any:
    """Build the ``credit_scorer`` Bento around model ``model_tag`` (the latest); the Bento.

    The labels of the Bento repeat the model's (champion version, data kind, MLflow run).

    Raises:
        RuntimeError: if the Bento resolved another model (one was created meanwhile).
    """
    import bentoml

    _ensure_uv()
    model = bentoml.models.get(model_tag)
    labels = {k: v for k, v in model.info.labels.items() if k in BENTO_LABELS}
    bento = bentoml.bentos.build(
        SERVICE,
        name=BENTO_NAME,
        labels={**labels, "model": model_tag.replace(":", "-")},
        include=BENTO_INCLUDE,
        build_ctx=str(build_ctx),
    )
    packed = [str(m.tag) for m in bento.info.all_models]
    if packed != [model_tag]:
        raise RuntimeError(f"Bento {bento.tag} holds {packed}, not {model_tag}")
    return bento


def _ensure_uv() -> None:
    """BentoML 1.4 asks for ``uv`` while freezing requirements, even with locking off, and
    would ``pip install`` it (network) when missing: use the project's own copy instead.

    Raises:
        RuntimeError: if no ``uv`` can be found.
    """
    if shutil.which("uv"):
        return
    tools = settings.PROJECT_ROOT / ".tools" / "bin"
    if not (tools / "uv").exists():
        raise RuntimeError("building a Bento needs uv on PATH: run `make install`")
    os.environ["PATH"] = f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"
