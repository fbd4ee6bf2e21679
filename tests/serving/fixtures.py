"""Fixtures of the serving and explainer tests: a real champion on the small generated data,
packaged once, and one ``bentoml serve`` of its Bento for the session.

The chain mirrors the pipeline: raw Parquet -> client feature table (the feature layer's own
``build_all``) -> a quickly tuned LightGBM champion -> the deployment assets (BentoML model and
Bento) in a BentoML home of the test session. ``tests/conftest.py`` loads this module as a plugin,
so ``tests/serving`` and ``tests/ui`` share one champion and one server.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import polars as pl
import psutil
import pytest

from credit_assets.defs.deployment.assets import credit_scorer_bento, served_model, serving_bundle
from credit_assets.defs.deployment.resources import BentoStore, ModelRegistry
from credit_assets.defs.resources import DataLake
from credit_assets.features.build import build_all
from credit_assets.features.feature_sets import FeatureSet
from credit_assets.ingest import ingest_table
from credit_assets.kaggle import TABLES
from credit_assets.models import ScoringModel
from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.data import (
    KEY,
    dataset_hash,
    for_feature_set,
    labelled_clients,
    split_train_holdout,
    undersample,
)
from credit_assets.models.train import TrainingSettings, train_candidate
from credit_assets.serving.bundle import write_bundle
from credit_assets.serving.scorer import Scorer

# Five folds: the balanced set holds only ~330 rows, and with fewer folds a fold's bagged rows
# (subsample 0.8) cannot split at the default min_child_samples (100): the out-of-fold scores
# are constant, so the calibration's slope is 0 and every client gets the same probability.
QUICK = TrainingSettings(n_trials=1, timeout_seconds=30, folds=5, seed=5, n_jobs=1)
SERVED_KEY = "serve-test-key"
"""The API key of the served Bento: its guards and the explainer's sign-in are on."""
READY_SECONDS = 180
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""Straight to 127.0.0.1, whatever proxy the environment names."""


@pytest.fixture(scope="session")
def serving_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A BentoML home and a prediction log for the session (BentoML reads its home once per
    process), analytics off."""
    root = tmp_path_factory.mktemp("serving")
    patch = pytest.MonkeyPatch()
    patch.setenv("BENTOML_HOME", str(root / "bentoml"))
    patch.setenv("BENTOML_DO_NOT_TRACK", "true")
    patch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    patch.delenv("CREDIT_API_KEY", raising=False)
    patch.setenv("CREDIT_PREDICTION_LOG", str(root / "predictions.sqlite"))
    # BentoML's /metrics reads Prometheus' multiprocess folder, which `bentoml serve` sets up.
    (root / "prometheus").mkdir()
    patch.setenv("PROMETHEUS_MULTIPROC_DIR", str(root / "prometheus"))
    yield root / "bentoml"
    patch.undo()


@pytest.fixture(scope="session")
def lake(tiny_synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> DataLake:
    """The raw tables and the client feature table of the small generated dataset."""
    lake = DataLake(root=str(tmp_path_factory.mktemp("lake")))
    for table in TABLES:
        ingest_table(tiny_synthetic, table, lake.raw_table(table))
    table, _ = build_all({t: pl.scan_parquet(lake.raw_table(t)) for t in TABLES})
    table.write_parquet(lake.features_path())
    return lake


def train_quickly(
    lake: DataLake, candidate: str, feature_set: FeatureSet = "history"
) -> ScoringModel:
    """A candidate tuned by one trial on 2 folds, on the client table of ``lake``."""
    features = pd.read_parquet(lake.features_path())
    labels = pd.read_parquet(lake.raw_table("application_train"), columns=[KEY, "TARGET"])
    labelled = for_feature_set(labelled_clients(features, labels), feature_set)
    train, holdout = split_train_holdout(labelled, 0.25, seed=5)
    result = train_candidate(
        CANDIDATES[candidate],
        train,
        undersample(train, seed=5),
        holdout,
        lake.path("models", "optuna", f"{feature_set}-{candidate}.db"),
        QUICK,
        dataset_hash(train),
        "synthetic",
        feature_set,
    )
    return result.model


@pytest.fixture(scope="session")
def train() -> Callable[[DataLake, str], ScoringModel]:
    """:func:`train_quickly`, for tests that need another candidate."""
    return train_quickly


@pytest.fixture(scope="session")
def champion(lake: DataLake) -> ScoringModel:
    """A LightGBM champion saved where ``champion_model`` saves it, with its record."""
    model = train_quickly(lake, "lightgbm")
    model.save(lake.champion_path())
    record = {"champion": model.name, "version": model.version}
    lake.champion_record_path().write_text(json.dumps(record))
    save_application_only_champion(lake)
    return model


def save_application_only_champion(lake: DataLake) -> ScoringModel:
    """A logistic-regression champion on the application's features only, saved where
    ``application_only_champion_model`` saves it (once per lake)."""
    path = lake.champion_path("application_only")
    if path.exists():
        return ScoringModel.load(path)
    model = train_quickly(lake, "logistic_regression", "application_only")
    model.save(path)
    record = {"champion": model.name, "version": model.version}
    lake.champion_record_path("application_only").write_text(json.dumps(record))
    return model


@pytest.fixture(scope="session")
def deployment(
    serving_env: Path, lake: DataLake, champion: ScoringModel
) -> dg.ExecuteInProcessResult:
    """The deployment assets run on the champion: BentoML model and Bento in the session home,
    with a stand-in validation report of the champion (the real one is tested in tests/models)."""
    write_validation_report(lake, champion.version)
    return dg.materialize(
        [serving_bundle, served_model, credit_scorer_bento],
        resources={
            "lake": lake,
            "bento_store": BentoStore(home=str(serving_env)),
            "registry": ModelRegistry(tracking_uri=f"sqlite:///{serving_env.parent}/mlflow.db"),
        },
    )


def write_validation_report(lake: DataLake, version: str) -> None:
    """A small validation report of the history champion ``version``, where the pipeline's
    ``validation_report`` writes it."""
    report = {"champions": {"history": {"model": {"version": version}}}}
    lake.report_path("validation.json").write_text(json.dumps(report))
    lake.report_path("validation.html").write_text(
        f"<!doctype html><title>Validation report</title><h1>Validation of {version}</h1>",
        encoding="utf-8",
    )


@pytest.fixture(scope="session")
def service_app(deployment: dg.ExecuteInProcessResult) -> Any:
    """BentoML's ASGI app of the service, built once per process (its Prometheus metrics can
    register only once). Each ``TestClient`` entered on it starts a new service instance."""
    from bento.service import CreditScorer

    return CreditScorer.to_asgi()


@pytest.fixture(scope="session")
def scorer(
    lake: DataLake, champion: ScoringModel, tmp_path_factory: pytest.TempPathFactory
) -> Scorer:
    """The service's scorer on a bundle of the champion (what the BentoML model holds)."""
    folder = tmp_path_factory.mktemp("bundle")
    write_bundle(
        folder,
        lake.champion_path(),
        lake.features_path(),
        application_champion=lake.champion_path("application_only"),
    )
    return Scorer.load(folder)


@pytest.fixture(scope="session")
def scorecard_scorer(scorer: Scorer, lake: DataLake) -> Scorer:
    """The service's scorer with a quickly trained points scorecard as its history champion
    (the same known clients, descriptions and card)."""
    card = train_quickly(lake, "scorecard")
    categories = {field: sorted(known) for field, known in scorer.categories.items()}
    return Scorer(card, scorer.clients, scorer.spec, categories, scorer.descriptions, scorer.card)


@pytest.fixture(scope="session")
def features(lake: DataLake) -> pd.DataFrame:
    """The client feature table, indexed by SK_ID_CURR."""
    return pd.read_parquet(lake.features_path()).set_index(KEY)


@pytest.fixture(scope="session")
def ids(features: pd.DataFrame) -> list[int]:
    """Some known clients."""
    return [int(i) for i in features.index[:50]]


@pytest.fixture(scope="session")
def application(lake: DataLake) -> dict[str, Any]:
    """The raw application of an application_test client, as JSON carries it."""
    row = pl.read_parquet(lake.raw_table("application_test")).row(0, named=True)
    return {k: v for k, v in row.items() if v is not None}


@pytest.fixture(scope="session")
def served_key() -> str:
    """The API key the served Bento is started with (its guards and sign-in are on)."""
    return SERVED_KEY


@pytest.fixture(scope="session")
def served(
    deployment: dg.ExecuteInProcessResult, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The address of ``bentoml serve credit_scorer:latest`` run from a fresh home holding only
    the imported Bento, with ``CREDIT_API_KEY`` set to :data:`SERVED_KEY`."""
    import bentoml

    root = tmp_path_factory.mktemp("served")
    archive = bentoml.bentos.export_bento("credit_scorer:latest", str(root / "credit_scorer.bento"))
    env = {**os.environ, "BENTOML_HOME": str(root / "home"), "CREDIT_API_KEY": SERVED_KEY}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    bentoml_cli = [sys.executable, "-m", "bentoml"]
    subprocess.run([*bentoml_cli, "import", archive], env=env, check=True, capture_output=True)
    port = _free_port()
    log_path = root / "serve.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [*bentoml_cli, "serve", "credit_scorer:latest", "--host", "127.0.0.1", "--port", str(port)],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not _ready(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"bentoml serve did not get ready:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        # The dependent explainer service's workers may sit outside the server's process group:
        # every descendant is found first and killed last, so none outlives the session.
        descendants = psutil.Process(server.pid).children(recursive=True)
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        for child in descendants:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ready(url: str) -> bool:
    """The API is ready and the explainer page built (``/readyz`` does not wait for it)."""
    try:
        for probe in ("/readyz", "/ui/"):
            with LOOPBACK.open(f"{url}{probe}", timeout=5) as answer:
                if answer.status != 200:
                    return False
        return True
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False
