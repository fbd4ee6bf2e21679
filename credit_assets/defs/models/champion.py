"""The champions (one per feature set), the scores of the test clients, the evaluation report."""

import json
import time
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd

from credit_assets.code_version import code_version
from credit_assets.defs.lineage import CHAMPION_PRIORITY
from credit_assets.defs.models.assets import FEATURE_SET_TITLES, GROUP, candidate_key
from credit_assets.defs.resources import DataLake, HomeCreditSource, name_prefix
from credit_assets.defs.tracking import MlflowTracking
from credit_assets.features.feature_sets import FEATURE_SETS, FeatureSet
from credit_assets.models import ScoringModel, evaluation
from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.champion import Gates, choose_champion, selection
from credit_assets.models.data import KEY, TARGET, dataset_hash, features_of

CODE_VERSION = code_version(__name__)
_GATES = Gates()


def champion_key(feature_set: FeatureSet = "history") -> str:
    """``champion_model`` (history) or ``application_only_champion_model``."""
    return f"{name_prefix(feature_set)}champion_model"


def candidate_metrics(lake: DataLake, feature_set: FeatureSet) -> dict[str, dict[str, float]]:
    """Every candidate's figures on one feature set."""
    return {name: lake.candidate_record(name, feature_set)["metrics"] for name in CANDIDATES}


class ChampionConfig(dg.Config):
    """The gates a champion must pass (defaults: ``Gates``), and whether to register it."""

    min_cost_reduction: float = _GATES.min_cost_reduction
    """Business-cost reduction over the dummy the champion must reach (0.05: 5 %)."""
    min_auc_gain: float = _GATES.min_auc_gain
    """Cross-validated AUC the champion must add to the dummy's 0.5."""
    leakage_auc: float = _GATES.leakage_auc
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


def champion_asset(feature_set: FeatureSet) -> dg.AssetsDefinition:
    """The asset choosing the champion among one feature set's candidates."""

    @dg.asset(
        code_version=CODE_VERSION,
        name=champion_key(feature_set),
        group_name=GROUP,
        deps=[candidate_key(name, feature_set) for name in CANDIDATES],
        kinds={"joblib", "mlflow"},
        op_tags=CHAMPION_PRIORITY,
        description=(
            f"The champion on {FEATURE_SET_TITLES[feature_set]}: the candidate with the lowest"
            " cross-fitted out-of-fold business cost (ties: higher CV AUC; the holdout never"
            " chooses), as one servable artefact (preprocessing, model, calibration, threshold,"
            " feature names), registered in MLflow. Gates: it must beat the dummy clearly; an"
            f" AUC above {_GATES.leakage_auc} is a leak."
        ),
    )
    def _champion(
        config: ChampionConfig, lake: DataLake, tracking: MlflowTracking
    ) -> dg.MaterializeResult:
        return _choose(config, lake, tracking, feature_set)

    return _champion


def _choose(
    config: ChampionConfig, lake: DataLake, tracking: MlflowTracking, feature_set: FeatureSet
) -> dg.MaterializeResult:
    metrics = candidate_metrics(lake, feature_set)
    gates = Gates(config.min_cost_reduction, config.min_auc_gain, config.leakage_auc)
    choice = choose_champion(metrics, gates)
    model = ScoringModel.load(lake.candidate_path(choice.name, feature_set=feature_set))
    path = model.save(lake.champion_path(feature_set))
    holdout = lake.read_frame("holdout_set")
    latency = single_row_ms(model, features_of(holdout))
    record: dict[str, Any] = {
        "champion": choice.name,
        "feature_set": feature_set,
        "version": model.version,
        "threshold": model.threshold,
        "selection": selection(),
        "gates": choice.as_dict(),
        "single_row_predict_ms": latency,
        "artefact": str(path),
    }
    registered = None
    if config.register_in_mlflow:
        tags = tracking.run_tags(
            model.data_kind,
            lake.frame_hash("training_set") or dataset_hash(lake.read_frame("training_set")),
        )
        tags |= {"candidate": choice.name, "version": model.version, "feature_set": feature_set}
        registered = tracking.register_champion(path, tags, feature_set)
        record["registered_version"] = registered
    lake.champion_record_path(feature_set).write_text(json.dumps(record, indent=2))
    return dg.MaterializeResult(
        metadata={
            "champion": choice.name,
            "feature_set": feature_set,
            "version": model.version,
            "selected_on": "out-of-fold (cross-fitted) business cost",
            "oof_business_cost": round(choice.business_cost, 5),
            "dummy_oof_business_cost": round(choice.baseline_cost, 5),
            "cost_reduction": round(choice.cost_reduction, 4),
            "beats_dummy": choice.beats_baseline,
            "leakage_alarm": choice.leakage_alarm,
            "holdout_auc": round(model.metrics.get("holdout_auc", float("nan")), 4),
            "holdout_business_cost": round(model.metrics.get("business_cost", float("nan")), 5),
            "threshold": round(model.threshold, 5),
            "features": len(model.feature_names),
            "single_row_predict_ms": round(latency, 3),
            "registered_version": registered or "not registered",
            "artefact": dg.MetadataValue.path(str(path)),
        }
    )


champions = [champion_asset(feature_set) for feature_set in FEATURE_SETS]


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
    model = ScoringModel.load(lake.champion_path())
    clients = lake.clients_to_score()
    start = time.perf_counter()
    proba = model.predict_proba(clients)
    seconds = time.perf_counter() - start
    ids = clients.index.to_numpy()
    submission = pd.DataFrame({KEY: ids, TARGET: proba})
    submission_path = lake.output_path("submission.csv")
    submission.to_csv(submission_path, index=False)
    decisions = submission.rename(columns={TARGET: "probability"}).assign(
        decision=model.decide(proba), threshold=model.threshold, model_version=model.version
    )
    decisions_path = lake.output_path("decisions.csv")
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


@dg.asset(
    code_version=CODE_VERSION,
    group_name=GROUP,
    deps=[
        *(champion_key(s) for s in FEATURE_SETS),
        "holdout_set",
        "batch_scores",
        "validation_report",
    ],
    kinds={"json", "mlflow"},
)
def evaluation_report(
    lake: DataLake, source: HomeCreditSource, tracking: MlflowTracking
) -> dg.MaterializeResult:
    """For each feature set (history, application only): the candidates side by side (out-of-fold
    figures that chose the champion, holdout figures with bootstrap intervals), the champion and
    its gates; the oracle (true probabilities, synthetic data only), approval and error rates by
    gender and age band, and a model card: ``reports/evaluation.json``. Ends the pipeline's
    MLflow run."""
    report = build_evaluation(lake, source)
    path = lake.report_path("evaluation.json")
    path.write_text(json.dumps(report, indent=2))
    oracle = ("oracle_auc", "oracle_business_cost")
    metrics = {k: report[k] for k in oracle if report.get(k) is not None}
    tracking.log_report(path, metrics, {"champion": report["champion"]})
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
    """The evaluation report from what the upstream assets wrote to the lake; the oracle's true
    probabilities of synthetic data are read from the source, beside the generated tables."""
    holdout = lake.read_frame("holdout_set")
    y = holdout[TARGET].to_numpy()
    models: dict[FeatureSet, ScoringModel] = {
        s: ScoringModel.load(lake.champion_path(s)) for s in FEATURE_SETS
    }
    # The kind of data the champion learnt from, as its artefact recorded it at training.
    kind = models["history"].data_kind
    truth = evaluation.truth_file(source.path) if kind == "synthetic" else None
    oracle = evaluation.oracle_figures(pd.read_csv(truth), holdout.index, y) if truth else None
    # An experiment, off the pipeline's path: reported when it has been run.
    experiment = lake.report_path("resampling.json")
    resampling = json.loads(experiment.read_text()) if experiment.exists() else None
    sections = {}
    for feature_set, model in models.items():
        record = lake.champion_record(feature_set)
        proba = model.predict_proba(features_of(holdout))
        metrics = candidate_metrics(lake, feature_set)
        train_rows = int(metrics[record["champion"]].get("train_rows", 0))
        sections[feature_set] = evaluation.section(
            candidates=metrics,
            champion=record["champion"],
            selection=record["selection"],
            gates=record["gates"],
            groups=evaluation.group_metrics(holdout, y, proba, model.threshold),
            holdout=evaluation.holdout_summary(y, proba, model.threshold),
            card=evaluation.model_card(
                record["champion"], metrics[record["champion"]], kind, train_rows, feature_set
            ),
            extra={
                "champion_version": model.version,
                "single_row_predict_ms": record["single_row_predict_ms"],
            },
        )
    return evaluation.build_report(
        sections, data_kind=kind, oracle=oracle, extra={"resampling_experiment": resampling}
    )
