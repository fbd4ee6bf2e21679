"""The one place where the environment chooses paths: everything else receives them.

``HOME_CREDIT_DATA``  the Kaggle zip or a folder of its CSVs (default: the synthetic demo data)
``CREDIT_DATA_DIR``   where the pipeline writes its outputs (default: ``data/`` in the project)
``MLFLOW_TRACKING_URI`` the MLflow store (default: SQLite ``mlflow/mlflow.db`` under the data dir)
``CREDIT_RETRAIN_CRON`` when the scheduled retraining runs (default: Mondays 03:00, ``0 3 * * 1``)
``CREDIT_RETRAIN_TIMEZONE`` the time zone of that cron (default: ``UTC``)
``CREDIT_PREDICTION_LOG`` the SQLite file of served predictions (default: under the data dir)
``BENTOML_HOME``      BentoML's model and Bento store (default: ``bentoml/`` under the data dir)
``CREDIT_API_KEY``    when set, every API call must present it (``X-API-Key`` or a Bearer token)
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SERVICE_PORT = 3917
"""The scoring service's HTTP port: clear of the Dagster UI (3000) and MLflow (5000)."""


def data_dir() -> Path:
    """Root of every output: raw Parquet, features, models, reports."""
    return Path(os.environ.get("CREDIT_DATA_DIR", PROJECT_ROOT / "data"))


def demo_data_dir() -> Path:
    """Where ``make run`` writes the synthetic demo data when no real data is configured."""
    return data_dir() / "demo"


def home_credit_source() -> Path:
    """The configured Kaggle data: ``HOME_CREDIT_DATA`` if set, else the synthetic demo folder."""
    configured = os.environ.get("HOME_CREDIT_DATA")
    return Path(configured) if configured else demo_data_dir()


def mlflow_tracking_uri() -> str:
    """The MLflow store: ``MLFLOW_TRACKING_URI`` if set, else a local SQLite file under the data."""
    configured = os.environ.get("MLFLOW_TRACKING_URI")
    return configured or f"sqlite:///{data_dir() / 'mlflow' / 'mlflow.db'}"


def retraining_cron() -> str:
    """The cron of the scheduled retraining: ``CREDIT_RETRAIN_CRON`` if set, else weekly."""
    return os.environ.get("CREDIT_RETRAIN_CRON") or "0 3 * * 1"


def retraining_timezone() -> str:
    """The time zone the retraining cron is read in: ``CREDIT_RETRAIN_TIMEZONE`` or UTC."""
    return os.environ.get("CREDIT_RETRAIN_TIMEZONE") or "UTC"


def prediction_log_path() -> Path:
    """Where the service appends every prediction: ``CREDIT_PREDICTION_LOG`` if set, else
    ``monitoring/predictions.sqlite`` under the data dir."""
    configured = os.environ.get("CREDIT_PREDICTION_LOG")
    return Path(configured) if configured else data_dir() / "monitoring" / "predictions.sqlite"


def bentoml_home() -> Path:
    """BentoML's store of models and Bentos: ``BENTOML_HOME`` if set, else under the data."""
    configured = os.environ.get("BENTOML_HOME")
    return Path(configured) if configured else data_dir() / "bentoml"


def api_key() -> str | None:
    """The key API calls must present, or ``None`` when the service is open (local use)."""
    return os.environ.get("CREDIT_API_KEY") or None
