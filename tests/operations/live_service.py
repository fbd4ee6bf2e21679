"""Helpers for a real ``bentoml serve`` of the scoring service on loopback (see conftest.py).

BentoML fixes its home folder once per process, and the serving tests pick their own; so the
model is packaged and served in subprocesses here, and this process only speaks HTTP. The
champion is the dummy candidate on application features of the small generated data: what is
tested is the service's handling of input and its log, not the model.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from credit_assets.features.application import application_features, applications
from credit_assets.features.build import clean
from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.data import (
    dataset_hash,
    labelled_clients,
    split_train_holdout,
    undersample,
)
from credit_assets.models.train import TrainingSettings, train_candidate

READY_SECONDS = 300
PACKAGE = (
    "import sys; from pathlib import Path;"
    " from credit_assets.serving.packaging import save_model;"
    " print(save_model(Path(sys.argv[1]), Path(sys.argv[2]), {})[0])"
)


@dataclass(frozen=True)
class Service:
    """A running service: its base URL, its prediction log and known client ids."""

    url: str
    log: Path
    ids: list[int]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def dummy_champion(source: Path, folder: Path) -> tuple[Path, Path, list[int]]:
    """Application features of the generated clients and a dummy champion trained on them."""
    train = pl.scan_csv(source / "application_train.csv", infer_schema_length=10_000)
    test = pl.scan_csv(source / "application_test.csv", infer_schema_length=10_000)
    features = clean(application_features(applications(train, test)).collect())
    features_path = folder / "client_features.parquet"
    features.write_parquet(features_path)
    table = features.to_pandas()
    labels = train.select("SK_ID_CURR", "TARGET").collect().to_pandas()
    fit, holdout = split_train_holdout(labelled_clients(table, labels), 0.25, seed=1)
    result = train_candidate(
        CANDIDATES["dummy"],
        fit,
        undersample(fit, seed=1),
        holdout,
        folder / "optuna.db",
        TrainingSettings(n_trials=1, timeout_seconds=10, folds=2, seed=1, n_jobs=1),
        dataset_hash(fit),
        "synthetic",
    )
    champion = result.model.save(folder / "scoring_model.joblib")
    ids = test.select("SK_ID_CURR").collect().to_series().to_list()
    return champion, features_path, ids
