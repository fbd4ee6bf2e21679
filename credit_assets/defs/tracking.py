"""MLflow tracking through dagster-mlflow, typed, with a local store under the lake by default.

``MlflowTracking`` is a typed resource around dagster-mlflow's ``MlFlow`` object (what its
``mlflow_tracking`` resource yields), built once per step process in ``setup_for_execution``.
dagster-mlflow opens (or, in later step processes, finds by the ``dagster_run_id`` tag and
resumes) one parent run per Dagster run; assets log through MLflow's fluent API into it. What
this wrapper adds for asset runs:

- the experiment is created with its artefacts under the lake (MLflow's default for a SQLite
  store is ``./mlruns`` of whatever folder the process runs in);
- the parent run, which dagster-mlflow names after the job (``__ASSET_JOB`` for every asset
  run), is renamed ``pipeline-<run id>``;
- dagster-mlflow ends its parent run only through the ``end_mlflow_on_run_finished`` hook, which
  cannot be attached to the implicit asset job of ``dagster asset materialize``; the evaluation
  report, the graph's last asset, ends it with :meth:`MlflowTracking.end_pipeline_run`;
- the calls the assets make (a nested run per candidate, the dataset's tags on the parent run,
  the champion in the registry, reports attached), so no asset calls ``mlflow`` itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import mlflow
from dagster_mlflow.resources import MlFlow
from pydantic import PrivateAttr

from credit_assets import settings
from credit_assets.features.feature_sets import FeatureSet
from credit_assets.models import tracking

EXPERIMENT = "credit-scoring"
SQLITE = "sqlite:///"


class MlflowTracking(dg.ConfigurableResource):
    """The pipeline's MLflow experiment; one parent run per Dagster run (dagster-mlflow).

    Field names follow dagster-mlflow's config, which reads them from the init context.
    """

    experiment_name: str = EXPERIMENT
    mlflow_tracking_uri: str
    artifact_location: str
    _mlflow: MlFlow | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if self.mlflow_tracking_uri.startswith(SQLITE):
            # SQLite creates the database file, not the folder it lives in.
            Path(self.mlflow_tracking_uri.removeprefix(SQLITE)).parent.mkdir(
                parents=True, exist_ok=True
            )
        mlflow.set_tracking_uri(self.mlflow_tracking_uri)
        tracking.ensure_experiment(self.experiment_name, self.artifact_location)
        self._mlflow = MlFlow(context)
        mlflow.set_tag("mlflow.runName", f"pipeline-{(context.run_id or 'local')[:8]}")

    def run_tags(self, data_kind: str, data_hash: str) -> dict[str, str]:
        """The tags every MLflow run of this pipeline carries."""
        return {"git_commit": _commit(), "data_kind": data_kind, "dataset_hash": data_hash}

    def tag_dataset(self, tags: Mapping[str, str], params: Mapping[str, Any]) -> None:
        """Record on the pipeline's parent run what the models are trained on."""
        mlflow.set_tags({"git_commit": _commit(), **tags})
        mlflow.log_params(dict(params))

    def log_candidate(
        self,
        name: str,
        params: Mapping[str, Any],
        metrics: Mapping[str, float],
        tags: Mapping[str, str],
        figures: Sequence[Path] = (),
    ) -> str:
        """A nested run of the parent run holding one model's figures; its id."""
        return tracking.log_nested_run(name, params, metrics, tags, figures)

    def register_champion(
        self, artefact: Path, tags: Mapping[str, str], feature_set: FeatureSet
    ) -> str:
        """Register a feature set's champion and point its ``champion`` alias at it; the
        registered version."""
        return tracking.register_champion(artefact, tags, registered_name(feature_set))

    def attach_to_champion(
        self, paths: Sequence[Path], registered_version: str | None, feature_set: FeatureSet
    ) -> str | None:
        """Attach files to the run of a registered champion version (unregistered: to the
        parent run); that run's id, or ``None`` when there is none."""
        return tracking.log_to_champion_run(
            paths, registered_version, registered_name=registered_name(feature_set)
        )

    def log_report(self, path: Path, metrics: Mapping[str, float], tags: Mapping[str, str]) -> None:
        """Attach a report and its headline figures to the parent run."""
        if metrics:
            mlflow.log_metrics(dict(metrics))
        mlflow.set_tags(dict(tags))
        mlflow.log_artifact(str(path), artifact_path="reports")

    def end_pipeline_run(self) -> None:
        """Close the parent run (what dagster-mlflow's hook does for op jobs)."""
        if mlflow.active_run() is not None:
            mlflow.end_run()


def registered_name(feature_set: FeatureSet) -> str:
    """The MLflow registered model of a feature set's champion."""
    return tracking.REGISTERED_MODEL + ("" if feature_set == "history" else "-application-only")


def _commit() -> str:
    return tracking.git_commit(Path(__file__).parent)


def default_tracking() -> MlflowTracking:
    """Tracking into ``MLFLOW_TRACKING_URI``, or SQLite and artefacts under the data folder."""
    return MlflowTracking(
        mlflow_tracking_uri=settings.mlflow_tracking_uri(),
        artifact_location=str(Path(settings.data_dir()) / "mlflow" / "artifacts"),
    )


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"tracking": default_tracking()})
