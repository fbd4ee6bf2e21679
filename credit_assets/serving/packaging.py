"""Packaging a champion for BentoML: the model in BentoML's store, then the ``credit_scorer`` Bento.

Plain functions (no Dagster): the deployment assets call them, and so can a notebook. BentoML
reads ``BENTOML_HOME`` once per process, so :func:`use_bentoml_home` must run before anything
touches its stores. The service imports the names and requirements from here, so the heavy
imports (BentoML, the bundle's pandas and Polars) happen inside the functions.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

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
    "credit_assets/frames.py",
    "credit_assets/launcher/__init__.py",
    "credit_assets/launcher/ready.py",
    "credit_assets/reference/*.json",
    "credit_assets/features/*.py",
    "credit_assets/models/*.py",
    "credit_assets/serving/*.py",
    "credit_assets/monitoring/__init__.py",
    "credit_assets/monitoring/prediction_log.py",
    "credit_assets/monitoring/served.py",
    "ui/*.py",
]
VALIDATION_REPORT = "validation.html"
VALIDATION_DATA = "validation.json"
REPORT_TYPES = {VALIDATION_REPORT: "text/html; charset=utf-8", VALIDATION_DATA: "application/json"}
"""The reports a model folder may carry beside the bundle, with the media type each is served as."""
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


class ValidationFiles(NamedTuple):
    """Where the pipeline wrote the champions' validation report."""

    html: Path
    data: Path


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
    validation: ValidationFiles | None = None,
) -> tuple[str, ModelCard, str]:
    """Create the BentoML model ``credit_scoring_champion`` holding the serving bundle and,
    when it validates this champion, the validation report (see :func:`carry_validation`).

    The bundle is written in the model's folder, in one go (a notebook, the tests); the pipeline
    writes it ahead with :func:`stage_bundle` and packages it with :func:`save_staged_model`.

    Returns the model's tag, its card and what became of the validation report, in words.
    """
    from credit_assets.serving.bundle import write_bundle

    def fill(folder: Path) -> ModelCard:
        return write_bundle(
            folder,
            champion,
            client_features,
            mlflow_run_id,
            registered_version,
            application_champion,
        )

    return _create_model(fill, labels, validation)


def stage_bundle(
    folder: Path,
    champion: Path,
    client_features: Path,
    mlflow_run_id: str | None = None,
    registered_version: str | None = None,
) -> ModelCard:
    """Write the serving bundle of the champion at ``champion`` into ``folder``, ready for
    :func:`save_staged_model`: the known clients' rows, scores and reasons (the long part of
    packaging) are computed as soon as the champion is chosen, while the application-only
    candidates still train and before the validation report is written.

    The bundle is written beside ``folder`` and swapped in whole: a failure leaves the previous
    bundle as it was. Each bundle is a new set of files, so a model packaged from the previous
    one (its files hard-linked) keeps its own.
    """
    from credit_assets.serving.bundle import write_bundle

    staging = folder.with_name(f".{folder.name}.staging")
    previous = folder.with_name(f".{folder.name}.previous")
    for leftover in (staging, previous):
        shutil.rmtree(leftover, ignore_errors=True)
    card = write_bundle(staging, champion, client_features, mlflow_run_id, registered_version)
    if folder.exists():
        folder.rename(previous)
    staging.rename(folder)
    shutil.rmtree(previous, ignore_errors=True)
    return card


def save_staged_model(
    bundle: Path,
    labels: dict[str, str],
    validation: ValidationFiles | None = None,
    application_champion: Path | None = None,
) -> tuple[str, ModelCard, str]:
    """Create the BentoML model ``credit_scoring_champion`` from a bundle :func:`stage_bundle`
    wrote, the application-only champion saved at ``application_champion`` when given and, when
    it validates the bundle's champion, the validation report. The bundle's files are
    hard-linked into BentoML's staging folder where the file system allows (BentoML then copies
    that folder into its store).

    Raises:
        FileNotFoundError: if ``bundle`` holds no bundle (no model card).
        ValueError: if the application-only champion uses a feature the bundle lacks.
    """
    from credit_assets.serving.bundle import CARD_FILE, ModelCard, add_application_champion

    if staged_champion(bundle) is None:
        raise FileNotFoundError(f"no serving bundle at {bundle}: materialise serving_bundle first")

    def fill(folder: Path) -> ModelCard:
        shutil.copytree(bundle, folder, copy_function=_link_or_copy, dirs_exist_ok=True)
        if application_champion is not None:
            add_application_champion(folder, application_champion)
        return ModelCard.load(folder / CARD_FILE)

    return _create_model(fill, labels, validation)


def staged_champion(bundle: Path) -> str | None:
    """The version of the champion a staged bundle holds (``None``: no bundle there)."""
    from credit_assets.serving.bundle import CARD_FILE, ModelCard

    card = bundle / CARD_FILE
    return ModelCard.load(card).version if card.is_file() else None


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)


def _create_model(
    fill: Callable[[Path], ModelCard], labels: dict[str, str], validation: ValidationFiles | None
) -> tuple[str, ModelCard, str]:
    """The BentoML model whose folder ``fill`` writes the bundle into; labels, metadata and the
    validation report added. Returns its tag, its card and what became of the report."""
    import bentoml

    with bentoml.models.create(MODEL_NAME) as model:
        card = fill(Path(model.path))
        model.info.labels.update({**labels, **model_labels(card)})
        model.info.metadata.update(model_metadata(card))
        carried = carry_validation(Path(model.path), validation, card.version)
        model.info.metadata["validation_report"] = carried
    return str(model.tag), card, carried


def carry_validation(folder: Path, validation: ValidationFiles | None, version: str) -> str:
    """Copy the validation report (HTML and JSON) into ``folder`` when it validates the history
    champion ``version``; what was done, in words.

    A report of another version (a champion packaged before the pipeline validated it) is left
    behind: the service would show it as this model's.
    """
    if validation is None or not (validation.html.is_file() and validation.data.is_file()):
        return "not carried: no validation report was made"
    report = json.loads(validation.data.read_text())
    validated = report.get("champions", {}).get("history", {}).get("model", {}).get("version")
    if validated != version:
        return f"not carried: the validation report is of {validated}, not of {version}"
    shutil.copyfile(validation.html, folder / VALIDATION_REPORT)
    shutil.copyfile(validation.data, folder / VALIDATION_DATA)
    return "carried"


def carried_report(folder: Path, name: str) -> Path:
    """The report ``name`` (one of :data:`REPORT_TYPES`) a model folder carries.

    Raises:
        FileNotFoundError: naming the report, when the model was packaged without it.
    """
    path = folder / name
    if name not in REPORT_TYPES or not path.is_file():
        raise FileNotFoundError(
            f"the validation report ({name}) is not in this model: it was packaged before the "
            "pipeline validated this champion, or by a version that did not carry reports"
        )
    return path


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
