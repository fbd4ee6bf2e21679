"""The champion, the scores of the test clients, and the evaluation report."""

import json
import time
from pathlib import Path
from typing import Any

import dagster as dg
import mlflow
import numpy as np
import pandas as pd

from credit_assets.code_version import code_version
from credit_assets.defs.models.assets import (
    GROUP,
    candidate_path,
    read_candidate_metrics,
    run_tags,
)
from credit_assets.defs.models.resources import MlflowTracking
from credit_assets.defs.resources import DataLake, HomeCreditSource
from credit_assets.defs.training.assets import data_kind, features_path, read_frame
from credit_assets.models import ScoringModel, evaluation
from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.champion import Gates, choose_champion
from credit_assets.models.data import KEY, TARGET, dataset_hash, features_of
from credit_assets.models.tracking import register_champion

CODE_VERSION = code_version(__name__)
CANDIDATE_KEYS = [f"{name}_candidate" for name in CANDIDATES]


def champion_path(lake: DataLake) -> Path:
    """Where the champion ``ScoringModel`` is saved: what the scoring service loads."""
    return lake.path("models", "champion", "scoring_model.joblib")


def champion_record_path(lake: DataLake) -> Path:
    return lake.path("models", "champion", "champion.json")


class ChampionConfig(dg.Config):
    """The gates a champion must pass, and whether to register it in MLflow."""

    min_cost_reduction: float = 0.05
    """Business-cost reduction over the dummy the champion must reach (0.05: 5 %)."""
    min_auc_gain: float = 0.05
    """Holdout AUC the champion must add to the dummy's 0.5."""
    leakage_auc: float = 0.82
    """A holdout or CV AUC above this raises the leakage alarm (blocks the scores)."""
    register_in_mlflow: bool = True


def single_row_ms(model: ScoringModel, frame: pd.DataFrame, repeats: int = 200) -> float:
    """Median milliseconds of ``predict_proba`` on one row (what the service does per request)."""
    row = frame.iloc[[0]]
    model.predict_proba(row)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_proba(row)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


@dg.asset(
    group_name=GROUP, code_version=CODE_VERSION, deps=CANDIDATE_KEYS, kinds={"joblib", "mlflow"}
)
def champion_model(
    config: ChampionConfig,
    lake: DataLake,
    source: HomeCreditSource,
    tracking: MlflowTracking,
) -> dg.MaterializeResult:
    """The candidate with the lowest holdout business cost, as one servable artefact
    (preprocessing, model, calibration, threshold, feature names), registered in MLflow under
    the alias ``champion``. Gates: it must beat the dummy clearly; an AUC above 0.82 is a leak."""
    metrics = {name: read_candidate_metrics(lake, name)["metrics"] for name in CANDIDATES}
    gates = Gates(config.min_cost_reduction, config.min_auc_gain, config.leakage_auc)
    choice = choose_champion(metrics, gates)
    model = ScoringModel.load(candidate_path(lake, choice.name))
    path = model.save(champion_path(lake))
    holdout = read_frame(lake, "holdout_set")
    latency = single_row_ms(model, features_of(holdout))
    record: dict[str, Any] = {
        "champion": choice.name,
        "version": model.version,
        "threshold": model.threshold,
        "gates": choice.as_dict(),
        "single_row_predict_ms": latency,
        "artefact": str(path),
    }
    registered = None
    if config.register_in_mlflow:
        tags = run_tags(model.data_kind, dataset_hash(read_frame(lake, "training_set")))
        tags |= {"candidate": choice.name, "version": model.version}
        registered = register_champion(path, tags)
        record["registered_version"] = registered
    champion_record_path(lake).write_text(json.dumps(record, indent=2))
    return dg.MaterializeResult(
        metadata={
            "champion": choice.name,
            "version": model.version,
            "business_cost": round(choice.business_cost, 5),
            "dummy_business_cost": round(choice.baseline_cost, 5),
            "cost_reduction": round(choice.cost_reduction, 4),
            "beats_dummy": choice.beats_baseline,
            "leakage_alarm": choice.leakage_alarm,
            "threshold": round(model.threshold, 5),
            "features": len(model.feature_names),
            "single_row_predict_ms": round(latency, 3),
            "registered_version": registered or "not registered",
            "artefact": dg.MetadataValue.path(str(path)),
        }
    )


def clients_to_score(lake: DataLake) -> pd.DataFrame:
    """Client features of every ``application_test`` client, indexed by ``SK_ID_CURR``."""
    ids = pd.read_parquet(lake.raw_table("application_test"), columns=[KEY])[KEY]
    features = pd.read_parquet(features_path(lake)).set_index(KEY)
    return features.reindex(ids.to_numpy())


@dg.asset(
    group_name=GROUP,
    code_version=CODE_VERSION,
    deps=["champion_model", "application_test"],
    kinds={"csv"},
)
def batch_scores(lake: DataLake) -> dg.MaterializeResult:
    """Calibrated probability of default and decision for every application_test client:
    ``outputs/submission.csv`` in Kaggle's format (SK_ID_CURR,TARGET) and
    ``outputs/decisions.csv`` (probability, accepted / refused, threshold, model version)."""
    model = ScoringModel.load(champion_path(lake))
    clients = clients_to_score(lake)
    start = time.perf_counter()
    proba = model.predict_proba(clients)
    seconds = time.perf_counter() - start
    ids = clients.index.to_numpy()
    submission = pd.DataFrame({KEY: ids, TARGET: proba})
    submission_path = lake.path("outputs", "submission.csv")
    submission.to_csv(submission_path, index=False)
    decisions = submission.rename(columns={TARGET: "probability"}).assign(
        decision=model.decide(proba), threshold=model.threshold, model_version=model.version
    )
    decisions_path = lake.path("outputs", "decisions.csv")
    decisions.to_csv(decisions_path, index=False)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(submission),
            "approval_rate": round(float((decisions["decision"] == "accepted").mean()), 4),
            "mean_probability": round(float(proba.mean()), 5),
            "score_seconds": round(seconds, 3),
            "model_version": model.version,
            "submission": dg.MetadataValue.path(str(submission_path)),
            "decisions": dg.MetadataValue.path(str(decisions_path)),
        }
    )


def report_path(lake: DataLake) -> Path:
    return lake.path("reports", "evaluation.json")


@dg.asset(
    code_version=CODE_VERSION,
    group_name=GROUP,
    deps=["champion_model", "holdout_set", "resampling_experiment", "batch_scores"],
    kinds={"json", "mlflow"},
)
def evaluation_report(
    lake: DataLake, source: HomeCreditSource, tracking: MlflowTracking
) -> dg.MaterializeResult:
    """Candidates side by side on the holdout, the champion and its gates, the oracle (true
    probabilities, synthetic data only), approval and error rates by gender and age band, and a
    model card: ``reports/evaluation.json``. Ends the pipeline's MLflow run."""
    report = build_evaluation(lake, source)
    path = report_path(lake)
    path.write_text(json.dumps(report, indent=2))
    _log_report(path, report)
    tracking.end_pipeline_run()
    return dg.MaterializeResult(
        metadata={
            "champion": report["champion"],
            "oracle_auc": report["oracle_auc"] or "n/a (real data)",
            "oracle_business_cost": report["oracle_business_cost"] or "n/a (real data)",
            "report": dg.MetadataValue.md(evaluation.report_markdown(report)),
            "path": dg.MetadataValue.path(str(path)),
        }
    )


def build_evaluation(lake: DataLake, source: HomeCreditSource) -> dict[str, Any]:
    """The evaluation report from what the upstream assets wrote to the lake."""
    record = json.loads(champion_record_path(lake).read_text())
    model = ScoringModel.load(champion_path(lake))
    holdout = read_frame(lake, "holdout_set")
    y = holdout[TARGET].to_numpy()
    proba = model.predict_proba(features_of(holdout))
    kind = data_kind(source)
    truth = evaluation.truth_file(source.path) if kind == "synthetic" else None
    oracle = evaluation.oracle_figures(pd.read_csv(truth), holdout.index, y) if truth else None
    metrics = {name: read_candidate_metrics(lake, name)["metrics"] for name in CANDIDATES}
    train_rows = int(metrics[record["champion"]].get("train_rows", 0))
    resampling = json.loads(lake.path("reports", "resampling.json").read_text())
    return evaluation.build_report(
        candidates=metrics,
        champion=record["champion"],
        gates=record["gates"],
        groups=evaluation.group_metrics(holdout, y, proba, model.threshold),
        card=evaluation.model_card(
            record["champion"], metrics[record["champion"]], kind, train_rows
        ),
        data_kind=kind,
        oracle=oracle,
        extra={
            "champion_version": model.version,
            "single_row_predict_ms": record["single_row_predict_ms"],
            "resampling_experiment": resampling,
        },
    )


def _log_report(path: Path, report: dict[str, Any]) -> None:
    """Attach the report and the oracle figures to the pipeline's parent MLflow run."""
    if report.get("oracle_auc") is not None:
        mlflow.log_metrics(
            {
                "oracle_auc": report["oracle_auc"],
                "oracle_business_cost": report["oracle_business_cost"],
            }
        )
    mlflow.set_tag("champion", report["champion"])
    mlflow.log_artifact(str(path), artifact_path="reports")
