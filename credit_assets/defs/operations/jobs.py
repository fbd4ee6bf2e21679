"""The retraining job: raw data to champion, then the scores, reports and drift that follow."""

import dagster as dg

RETRAIN_JOB = "retrain_champion"
MAX_RUNTIME_TAG = "dagster/max_runtime"
RETRAIN_MAX_RUNTIME_SECONDS = 4 * 3600
"""Past this, run monitoring (dagster.yaml) fails the run: that is how a crashed run is detected.
The demo data retrains in about 10 minutes on two shared cores; raise it for data that needs
longer."""

retrain_selection = dg.AssetSelection.assets(
    "champion_model"
).upstream() | dg.AssetSelection.groups("models", "monitoring")

retrain_champion = dg.define_asset_job(
    RETRAIN_JOB,
    selection=retrain_selection,
    description=(
        "Re-ingest the Kaggle tables, rebuild the features, retrain and re-tune every candidate,"
        " choose the champion behind its gates, then refresh the test-client scores, the"
        " evaluation report and the drift report. Runs on the multiprocess executor."
    ),
    tags={"purpose": "retraining", MAX_RUNTIME_TAG: str(RETRAIN_MAX_RUNTIME_SECONDS)},
)
