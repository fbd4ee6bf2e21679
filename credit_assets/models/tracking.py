"""MLflow logging: a nested run per candidate, the champion in the registry. No Dagster here.

The functions use MLflow's fluent API under whatever run is active (the pipeline's parent run,
opened by the dagster-mlflow resource), so they work the same from a notebook.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc.model import PythonModel, PythonModelContext
from mlflow.tracking import MlflowClient

from credit_assets.models.scoring_model import ScoringModel

REGISTERED_MODEL = "credit-default-scoring"
CHAMPION_ALIAS = "champion"
_SERVING_PACKAGES = ("scikit-learn", "lightgbm", "imbalanced-learn", "pandas", "numpy", "scipy")


def git_commit(folder: Path) -> str:
    """The commit checked out in ``folder`` (``unknown`` outside a git work tree)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def ensure_experiment(name: str, artifact_location: str) -> str:
    """The experiment's id, creating it with its artefacts under ``artifact_location`` if new.

    MLflow would otherwise put a new experiment's artefacts in ``./mlruns`` of whatever folder
    the process runs in.
    """
    existing = mlflow.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    Path(artifact_location).mkdir(parents=True, exist_ok=True)
    return mlflow.create_experiment(name, artifact_location=Path(artifact_location).as_uri())


def log_nested_run(
    run_name: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
    figures: Sequence[Path] = (),
) -> str:
    """A child run of the active run holding params, metrics, tags and figures; its id."""
    with mlflow.start_run(run_name=run_name, nested=True) as run:
        mlflow.log_params({k: _param(v) for k, v in params.items()})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        mlflow.set_tags(dict(tags))
        for figure in figures:
            mlflow.log_artifact(str(figure), artifact_path="figures")
    return run.info.run_id


def _param(value: Any) -> str | float | int:
    return value if isinstance(value, int | float) else str(value)


class ScoringPyfunc(PythonModel):
    """MLflow's view of a saved :class:`ScoringModel`: features in, probability and decision out.

    Loading needs ``credit_assets`` importable (the class lives here).
    """

    def load_context(self, context: PythonModelContext) -> None:
        self.scoring = ScoringModel.load(context.artifacts["scoring_model"])

    def predict(self, context: PythonModelContext, model_input: pd.DataFrame) -> pd.DataFrame:
        proba = self.scoring.predict_proba(model_input)
        return pd.DataFrame({"probability": proba, "decision": self.scoring.decide(proba)})


def _requirements() -> list[str]:
    pins = []
    for package in _SERVING_PACKAGES:
        try:
            pins.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            pins.append(package)
    return pins


def register_champion(
    artefact: Path,
    tags: Mapping[str, str],
    registered_name: str = REGISTERED_MODEL,
    alias: str = CHAMPION_ALIAS,
) -> str:
    """Log the artefact as a pyfunc model in a nested run, register it, point ``alias`` at it.

    Returns the registered version.
    """
    with mlflow.start_run(run_name="champion", nested=True):
        mlflow.set_tags(dict(tags))
        info = mlflow.pyfunc.log_model(
            name="scoring_model",
            python_model=ScoringPyfunc(),
            artifacts={"scoring_model": str(artefact)},
            pip_requirements=_requirements(),
            registered_model_name=registered_name,
            await_registration_for=0,
        )
    version_id = str(info.registered_model_version)
    client = MlflowClient()
    client.set_registered_model_alias(registered_name, alias, version_id)
    for key, value in tags.items():
        client.set_model_version_tag(registered_name, version_id, key, value)
    return version_id


def log_to_champion_run(
    paths: Sequence[Path],
    registered_version: str | None,
    artifact_path: str = "validation",
    registered_name: str = REGISTERED_MODEL,
) -> str | None:
    """Attach files to the MLflow run that logged a registered champion version (without a
    registered version, to the active run), so the files travel with that model; the run's id,
    or ``None`` when there is no run to attach to."""
    client = MlflowClient()
    if registered_version:
        run_id = client.get_model_version(registered_name, registered_version).run_id
    else:
        active = mlflow.active_run()
        run_id = active.info.run_id if active else None
    if run_id is None:
        return None
    for path in paths:
        client.log_artifact(run_id, str(path), artifact_path)
    return run_id
