"""Candidate models, each tuned, calibrated, thresholded and tracked; the resampling experiment."""

import json
from pathlib import Path
from typing import Any, Literal

import dagster as dg
import numpy as np

from credit_assets.code_version import code_version
from credit_assets.defs.lineage import EXPERIMENTS_GROUP, HISTORY_FIRST, data_kind
from credit_assets.defs.resources import DataLake, name_prefix
from credit_assets.defs.tracking import MlflowTracking
from credit_assets.features.feature_sets import FEATURE_SETS, FeatureSet
from credit_assets.models import plots
from credit_assets.models.candidates import CANDIDATES, Candidate
from credit_assets.models.data import TARGET, dataset_hash, frame_columns
from credit_assets.models.resampling import compare_resampling
from credit_assets.models.scorecard import Scorecard, card_markdown, points_table
from credit_assets.models.train import CandidateResult, TrainingSettings, train_candidate

GROUP = "models"
CODE_VERSION = code_version(__name__)
INPUTS = ["training_set", "balanced_training_set", "holdout_set"]
DESCRIPTIONS = {
    "dummy": "Baseline that predicts the training default rate for everyone: the bar to beat.",
    "logistic_regression": (
        "Logistic regression (C tuned) on median-imputed, one-hot encoded, MinMax-scaled features."
    ),
    "random_forest": "Random forest of 100 trees (depth, leaf size and feature share tuned).",
    "lightgbm": "LightGBM gradient-boosted trees (learning rate, leaves, sampling tuned).",
    "scorecard": (
        "Points scorecard: optimal monotonic bins (optbinning) of the most informative,"
        " least correlated features, weight of evidence, a logistic regression, and points"
        " scaled as banks do (20 points double the odds; 600 points for odds of 50 to 1)."
        " Its card is written beside the artefact as scorecard_points.csv."
    ),
}


_DEFAULTS = TrainingSettings()
# The longest fits start first (Dagster runs the highest ``dagster/priority`` of the ready steps),
# so that the two executor slots finish together rather than one waiting on a late long fit.
# The order of their times in a demo run. Every history candidate goes before the
# application-only ones (``HISTORY_FIRST``): its champion and serving bundle are then made while
# those train.
PRIORITY = {"random_forest": 8, "lightgbm": 8, "logistic_regression": 6, "scorecard": 4, "dummy": 0}


def candidate_priority(name: str, feature_set: FeatureSet) -> int:
    """A candidate step's ``dagster/priority``."""
    return PRIORITY[name] + (HISTORY_FIRST if feature_set == "history" else 0)


class CandidateConfig(dg.Config):
    """How a candidate is tuned and validated (defaults: ``TrainingSettings``)."""

    n_trials: int = _DEFAULTS.n_trials
    """Finished Optuna trials wanted in the study, counting earlier runs on the same data."""
    timeout_seconds: float | None = _DEFAULTS.timeout_seconds
    """Stop starting new trials after this long (the running trial finishes)."""
    folds: int = _DEFAULTS.folds
    large_data_folds: int = _DEFAULTS.large_data_folds
    """Folds from 100,000 training clients on (each fold spared is a fit of the whole split)."""
    seed: int = _DEFAULTS.seed
    n_jobs: int = _DEFAULTS.n_jobs
    """Threads per model; the executor already runs two steps at once on two cores."""
    calibration: Literal["platt", "prior", "none"] = _DEFAULTS.calibration

    def settings(self) -> TrainingSettings:
        return TrainingSettings(**self.model_dump())


FEATURE_SET_TITLES: dict[FeatureSet, str] = {
    "history": "every client feature (application and credit history)",
    "application_only": "the application's features only (for applicants without history)",
}


def candidate_key(name: str, feature_set: FeatureSet = "history") -> str:
    """A candidate's asset key: ``lightgbm_candidate``, ``application_only_lightgbm_candidate``."""
    return f"{name_prefix(feature_set)}{name}_candidate"


def _figures(result: CandidateResult, y_holdout: np.ndarray, folder: Path, name: str) -> list[Path]:
    model = result.model
    return [
        plots.roc_png(y_holdout, {name: result.holdout_proba}, folder / f"{name}_roc.png"),
        plots.cost_png(
            y_holdout, result.holdout_proba, model.threshold, folder / f"{name}_cost.png"
        ),
        plots.calibration_png(
            y_holdout,
            result.holdout_proba,
            result.holdout_uncalibrated,
            folder / f"{name}_calibration.png",
        ),
        plots.importance_png(model.feature_importance(), folder / f"{name}_importance.png"),
    ]


def candidate_asset(
    candidate: Candidate, feature_set: FeatureSet = "history"
) -> dg.AssetsDefinition:
    """The asset training one candidate on one feature set and publishing its figures."""

    @dg.asset(
        code_version=CODE_VERSION,
        name=candidate_key(candidate.name, feature_set),
        group_name=GROUP,
        deps=INPUTS,
        kinds={"scikit-learn", "optuna", "mlflow"},
        op_tags={"dagster/priority": str(candidate_priority(candidate.name, feature_set))},
        description=(
            f"{DESCRIPTIONS[candidate.name]} On {FEATURE_SET_TITLES[feature_set]}."
            " Tuned by Optuna on stratified CV (5 folds; 3 from 100,000 training clients on;"
            " training folds undersampled unless the model balances its own rows or learns from"
            " every row), calibrated and thresholded on out-of-fold predictions (cost"
            " cross-fitted), refitted on the balanced training set (or every training client),"
            " scored once on the holdout."
        ),
    )
    def _candidate(
        context: dg.AssetExecutionContext,
        config: CandidateConfig,
        lake: DataLake,
        tracking: MlflowTracking,
    ) -> dg.MaterializeResult:
        # The application-only candidates read their sixth of the columns, not the whole frames.
        columns = frame_columns(lake.frame_columns("training_set"), feature_set)
        frames = {
            name: lake.read_frame(name, columns)
            for name in ("training_set", "balanced_training_set", "holdout_set")
        }
        train, balanced, holdout = frames.values()
        data_hash = lake.frame_hash("training_set") or dataset_hash(train)
        kind = data_kind(context.instance)
        name = f"{name_prefix(feature_set)}{candidate.name}"
        result = train_candidate(
            candidate, train, balanced, holdout, lake.study_path(name), config.settings(),
            data_hash, kind, feature_set,
        )  # fmt: skip
        artefact = result.model.save(lake.candidate_path(candidate.name, feature_set=feature_set))
        record = {"metrics": result.metrics, "params": result.tuning.params}
        record["version"] = result.model.version
        record["feature_set"] = feature_set
        json_path = lake.candidate_path(candidate.name, ".json", feature_set)
        json_path.write_text(json.dumps(record, indent=2))
        figures = _figures(result, holdout[TARGET].to_numpy(), artefact.parent / "figures", name)
        params = {**result.tuning.params, **config.model_dump(), "study": result.tuning.study_name}
        tags = tracking.run_tags(kind, data_hash) | {"feature_set": feature_set}
        run_id = tracking.log_candidate(name, params, result.metrics, tags, figures)
        return dg.MaterializeResult(
            metadata={
                **{k: round(float(v), 5) for k, v in result.metrics.items()},
                "params": dg.MetadataValue.json(result.tuning.params),
                "version": result.model.version,
                "feature_set": feature_set,
                "features": len(result.model.feature_names),
                "artefact": dg.MetadataValue.path(str(artefact)),
                "figures": dg.MetadataValue.path(str(artefact.parent / "figures")),
                "mlflow_run_id": run_id,
                **_card_metadata(result, artefact.parent, name),
            }
        )

    return _candidate


def _card_metadata(result: CandidateResult, folder: Path, name: str) -> dict[str, Any]:
    """A scorecard's points table, written as CSV beside the artefact and shown as markdown."""
    if not isinstance(result.model.model, Scorecard):
        return {}
    table = points_table(result.model)
    path = folder / f"{name}_points.csv"
    table.to_csv(path, index=False)
    return {
        "points_table": dg.MetadataValue.path(str(path)),
        "card": dg.MetadataValue.md(card_markdown(table)),
        "card_features": len(table["feature"].unique()),
    }


candidates = [candidate_asset(c, s) for s in FEATURE_SETS for c in CANDIDATES.values()]


class ResamplingConfig(dg.Config):
    """How the resampling strategies are compared (LightGBM with the tuned hyperparameters)."""

    folds: int = 3
    """Folds per strategy: two of the three strategies fit on every training row."""
    seed: int = 42
    n_jobs: int = 1


@dg.asset(
    code_version=CODE_VERSION,
    group_name=EXPERIMENTS_GROUP,
    deps=["training_set", "lightgbm_candidate"],
    kinds={"lightgbm", "mlflow"},
)
def resampling_experiment(
    context: dg.AssetExecutionContext,
    config: ResamplingConfig,
    lake: DataLake,
    tracking: MlflowTracking,
) -> dg.MaterializeResult:
    """Undersampling vs class weights vs no resampling, for LightGBM with its tuned settings:
    out-of-fold AUC, business cost (after calibration, at each one's best threshold) and fit
    time of each strategy on the training clients."""
    train = lake.read_frame("training_set")
    params = lake.candidate_record("lightgbm")["params"]
    results = compare_resampling(
        CANDIDATES["lightgbm"], params, train, config.folds, config.seed, config.n_jobs
    )
    lake.report_path("resampling.json").write_text(json.dumps(results, indent=2))
    flat = {f"{s}_{k}": v for s, figures in results.items() for k, v in figures.items()}
    run_id = tracking.log_candidate(
        "resampling_experiment",
        {**params, **config.model_dump()},
        flat,
        tracking.run_tags(
            data_kind(context.instance), lake.frame_hash("training_set") or dataset_hash(train)
        ),
    )
    return dg.MaterializeResult(
        metadata={
            "comparison": dg.MetadataValue.md(_resampling_markdown(results)),
            "results": dg.MetadataValue.json(results),
            "mlflow_run_id": run_id,
        }
    )


def _resampling_markdown(results: dict[str, dict[str, float]]) -> str:
    lines = [
        "| strategy | CV AUC | cost/client | threshold | Brier | fit s | rows per fit |",
        "|---|---|---|---|---|---|---|",
    ]
    for strategy, m in results.items():
        lines.append(
            f"| {strategy} | {m['cv_auc_mean']:.3f} ± {m['cv_auc_std']:.3f}"
            f" | {m['business_cost']:.3f} | {m['threshold']:.3f} | {m['brier']:.4f}"
            f" | {m['fit_seconds']:.1f} | {m['fit_rows']:.0f} |"
        )
    return "\n".join(lines)
