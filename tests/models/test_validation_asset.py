"""The validation report asset on a tiny materialised lake: consistent, self-contained, logged."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import dagster as dg
import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from credit_assets.defs.models import validation
from credit_assets.defs.prediction_log import PredictionLogStore
from credit_assets.defs.resources import DataLake
from credit_assets.defs.tracking import MlflowTracking
from credit_assets.ingest import ingest_table
from credit_assets.models import ScoringModel
from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.data import TARGET, dataset_hash, features_of
from credit_assets.models.scorecard import points_table
from credit_assets.models.tracking import register_champion
from credit_assets.models.train import TrainingSettings, train_candidate
from credit_assets.models.validation_checks import report_problems, score_problems
from credit_assets.models.validation_html import SYNTHETIC_BANNER
from credit_assets.monitoring.prediction_log import log_predictions

QUICK = TrainingSettings(n_trials=1, timeout_seconds=20, folds=3, seed=3, n_jobs=1)
LOGGED = 40

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lake(
    tiny_synthetic: Path,
    stand_in_features: pd.DataFrame,
    frames: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> DataLake:
    """Raw tables, client features, training and holdout frames, and a logistic-regression
    champion registered in MLflow, as the upstream assets leave them."""
    root = tmp_path_factory.mktemp("validation")
    lake = DataLake(root=str(root / "lake"))
    for table in ("application_train", "application_test"):
        ingest_table(tiny_synthetic, table, lake.raw_table(table))
    stand_in_features.to_parquet(lake.features_path())
    lake.write_frame("training_set", frames.train, dataset_hash(frames.train))
    lake.write_frame("holdout_set", frames.holdout, dataset_hash(frames.holdout))
    result = train_candidate(
        CANDIDATES["logistic_regression"],
        frames.train,
        frames.balanced,
        frames.holdout,
        root / "optuna.db",
        QUICK,
        dataset_hash(frames.train),
        "synthetic",
    )
    path = result.model.save(lake.champion_path())
    mlflow.set_tracking_uri(f"sqlite:///{root / 'mlflow.db'}")
    # By name: an experiment id remembered from another test's store would not exist here.
    mlflow.set_experiment("credit-scoring")
    with mlflow.start_run(run_name="pipeline"):
        registered = register_champion(path, {"data_kind": "synthetic"})
    record = {"champion": result.model.name, "registered_version": registered}
    lake.champion_record_path().write_text(json.dumps(record))
    # The stand-in features are the application's: the same model is the application-only
    # champion (not registered: its files go to the active run, if any).
    result.model.save(lake.champion_path("application_only"))
    lake.champion_record_path("application_only").write_text(
        json.dumps({"champion": result.model.name})
    )
    card = train_candidate(
        CANDIDATES["scorecard"], frames.train, frames.balanced, frames.holdout,
        root / "optuna.db", QUICK, dataset_hash(frames.train), "synthetic",
    )  # fmt: skip
    card.model.save(lake.candidate_path("scorecard"))
    proba = result.model.predict_proba(features_of(frames.holdout.iloc[:LOGGED]))
    decisions = result.model.decide(proba)
    rows = [{"SK_ID_CURR": int(i)} for i in frames.holdout.index[:LOGGED]]
    log_path = root / "predictions.sqlite"
    log_predictions(
        rows, proba.tolist(), decisions.tolist(), result.model.version, 1.0, path=log_path
    )
    log_predictions(rows[:5], [0.5] * 5, ["accepted"] * 5, "another-version", 1.0, path=log_path)
    return lake


@pytest.fixture(scope="module")
def materialised(lake: DataLake) -> dict[str, Any]:
    root = Path(lake.root).parent
    result = dg.materialize(
        [validation.validation_report],
        resources={
            "lake": lake,
            "prediction_log": PredictionLogStore(path=str(root / "predictions.sqlite")),
            "tracking": MlflowTracking(
                mlflow_tracking_uri=f"sqlite:///{root / 'mlflow.db'}",
                artifact_location=str(root / "artifacts"),
            ),
        },
        run_config={"ops": {"validation_report": {"config": {"min_logged_predictions": 30}}}},
    )
    assert result.success
    report = json.loads(lake.report_path(validation.JSON).read_text())
    return {"result": result, "report": report}


def test_the_report_adds_up_against_the_holdout(
    lake: DataLake, frames: Any, materialised: dict[str, Any]
) -> None:
    report = materialised["report"]
    assert list(report["champions"]) == ["history", "application_only"]
    assert report_problems(report) == []
    section = report["champions"]["history"]
    model = ScoringModel.load(lake.champion_path())
    proba = model.predict_proba(features_of(frames.holdout))
    assert score_problems(section, frames.holdout[TARGET], proba) == []
    n = len(frames.holdout)
    assert section["holdout"]["clients"] == n
    assert sum(d["clients"] for d in section["calibration"]["deciles"]) == n
    gini, auc = section["discrimination"]["gini"], section["discrimination"]["auc"]
    assert gini["estimate"] == pytest.approx(2 * auc["estimate"] - 1)
    for rows in section["fairness"]["groupings"].values():
        assert sum(r["clients"] for r in rows) == n
    assert set(section["fairness"]["groupings"]) == {
        "CODE_GENDER",
        "age_band",
        "NAME_FAMILY_STATUS",
    }
    assert set(section["out_of_fold"]) == {"cv_auc_mean", "cv_auc_std", "oof_business_cost"}


def test_a_tampered_report_is_caught() -> None:
    section = {
        "kind": "history",
        "holdout": {"clients": 10, "defaulters": 2},
        "discrimination": {
            "auc": {"estimate": 0.7, "low": 0.6, "high": 0.8},
            "gini": {"estimate": 0.5, "low": 0.2, "high": 0.6},
        },
        "calibration": {"deciles": [{"clients": 9, "defaulters": 2}]},
        "fairness": {"groupings": {"CODE_GENDER": [{"clients": 10}]}},
        "model_card": {},
    }
    problems = report_problems({"synthetic": True, "champions": {"history": section}})
    assert len(problems) == 3
    assert any("Gini estimate" in p for p in problems)
    assert any("deciles hold 9" in p for p in problems)
    assert any("synthetic data without" in p for p in problems)


def test_stability_judges_only_this_versions_logged_scores(materialised: dict[str, Any]) -> None:
    stability = materialised["report"]["champions"]["history"]["stability"]
    assert stability["score_logged_requests"]["judged"]
    assert stability["score_logged_requests"]["logged"] == LOGGED
    assert stability["score_test_clients"]["clients"] == 600
    assert 0 < len(stability["features_test_clients"]) <= 10
    assert stability["score_test_clients"]["psi"] >= 0


def test_the_card_warns_about_synthetic_data_and_names_the_protected_attribute(
    materialised: dict[str, Any],
) -> None:
    report = materialised["report"]
    card = report["champions"]["history"]["model_card"]
    assert report["synthetic"] and next(iter(card)) == "warning"
    assert "CODE_GENDER" in card["features_excluded"]
    auc = report["champions"]["history"]["discrimination"]["auc"]["estimate"]
    assert f"AUC {auc:.3f}" in card["validation"]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values)
        self.links += [v for k, v in attrs if k in {"src", "href"} and v]


def test_the_page_is_self_contained_and_every_image_has_alt_text(lake: DataLake) -> None:
    text = lake.report_path(validation.HTML).read_text()
    page = _Page()
    page.feed(text)
    assert "http://" not in text and "https://" not in text
    assert len(page.images) >= 5
    assert all((image.get("alt") or "").strip() for image in page.images)
    assert all(link.startswith("data:image/png;base64,") for link in page.links)
    assert SYNTHETIC_BANNER in text and "too small to judge" in text
    assert "<table>" in text and "out-of-fold" in text


def test_both_files_are_attached_to_the_champions_run(
    lake: DataLake, materialised: dict[str, Any]
) -> None:
    record = json.loads(lake.champion_record_path().read_text())
    client = MlflowClient()
    version = client.get_model_version("credit-default-scoring", record["registered_version"])
    assert version.run_id is not None
    files = {Path(a.path).name for a in client.list_artifacts(version.run_id, "validation")}
    assert files == {"validation.json", "validation.html"}
    events = materialised["result"].get_asset_materialization_events()
    metadata = events[0].materialization.metadata
    assert "Validation" in metadata["report"].value
    assert metadata["mlflow_runs"].data["history"] == version.run_id
    assert np.isfinite(metadata["history_auc"].value)


def test_the_scorecards_points_table_is_published_with_the_report(
    lake: DataLake, materialised: dict[str, Any]
) -> None:
    card = ScoringModel.load(lake.candidate_path("scorecard"))
    table = points_table(card)
    published = materialised["report"]["scorecards"]
    assert set(published) == {"history"}  # no application-only scorecard was trained here
    rows = published["history"]["points"]
    assert [(r["feature"], r["bin"]) for r in rows] == [
        (str(f), str(b)) for f, b in zip(table["feature"], table["bin"], strict=True)
    ]
    assert [r["points"] for r in rows] == pytest.approx(table["points"].tolist())
    page = lake.report_path(validation.HTML).read_text()
    assert f"Points scorecard (history): {card.version}" in page
