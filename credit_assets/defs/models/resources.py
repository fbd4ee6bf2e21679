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
  report, the graph's last asset, ends it with :meth:`MlflowTracking.end_pipeline_run`.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import mlflow
from dagster_mlflow.resources import MlFlow
from pydantic import PrivateAttr

from credit_assets import settings
from credit_assets.models.tracking import ensure_experiment

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
        ensure_experiment(self.experiment_name, self.artifact_location)
        self._mlflow = MlFlow(context)
        mlflow.set_tag("mlflow.runName", f"pipeline-{(context.run_id or 'local')[:8]}")

    @property
    def parent_run_id(self) -> str | None:
        """The MLflow run of this Dagster run (``None`` before setup)."""
        return self._mlflow.mlflow_run_id if self._mlflow else None

    def end_pipeline_run(self) -> None:
        """Close the parent run (what dagster-mlflow's hook does for op jobs)."""
        if mlflow.active_run() is not None:
            mlflow.end_run()


def default_tracking() -> MlflowTracking:
    """Tracking into ``MLFLOW_TRACKING_URI``, or SQLite and artefacts under the data folder."""
    return MlflowTracking(
        mlflow_tracking_uri=settings.mlflow_tracking_uri(),
        artifact_location=str(Path(settings.data_dir()) / "mlflow" / "artifacts"),
    )


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"tracking": default_tracking()})
