"""The one place where the environment chooses paths: everything else receives them.

``HOME_CREDIT_DATA``  the Kaggle zip or a folder of its CSVs (default: the synthetic demo data)
``CREDIT_DATA_DIR``   where the pipeline writes its outputs (default: ``data/`` in the project)
``MLFLOW_TRACKING_URI`` the MLflow store (default: SQLite ``mlflow/mlflow.db`` under the data dir)
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
