"""Train one candidate end to end: tune, cross-validate, calibrate, pick the threshold, fit, test.

1. Optuna searches hyperparameters by 5-fold CV on the training split (undersampled per fold).
2. The best trial's out-of-fold scores fit the calibration and choose the cost-minimising
   threshold on calibrated probabilities. The out-of-fold business cost that ranks the
   candidates is cross-fitted: each fold is decided by a calibration and threshold fitted on the
   other folds (``uncertainty.cross_fitted_cost``), never on the rows it is measured on.
3. The model is refitted on the balanced training set and scored once on the untouched holdout,
   with bootstrap intervals; the holdout never chooses anything.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.metrics import brier_score_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from credit_assets.features.feature_sets import FeatureSet
from credit_assets.models.calibration import Method, calibrate, prior_correction, uncalibrated
from credit_assets.models.candidates import (
    LARGE_DATA_ROWS,
    Candidate,
    fits_every_row,
    undersamples_itself,
)
from credit_assets.models.cost import best_threshold, confusion
from credit_assets.models.data import TARGET, features_of, negative_keep_rate
from credit_assets.models.explain import background_means
from credit_assets.models.scores import raw_scores
from credit_assets.models.scoring_model import ScoringModel
from credit_assets.models.tuning import TuningResult, tune
from credit_assets.models.uncertainty import bootstrap_intervals, cross_fitted_cost
from credit_assets.models.validation import cross_validate


@dataclass(frozen=True)
class TrainingSettings:
    """How a candidate is tuned and validated."""

    n_trials: int = 10
    timeout_seconds: float | None = 10.0
    """Tuning time a run may start trials in; a study resumes where the last run left it (weekly
    retraining adds trials up to ``n_trials``), so a first run serves a model in minutes."""
    folds: int = 5
    large_data_folds: int = 3
    """Folds from ``LARGE_DATA_ROWS`` training clients on: each validation fold still holds
    tens of thousands of clients, and every fold spared is a fit of the whole split."""
    seed: int = 42
    n_jobs: int = 1
    """Threads per model, for its own loops and for the BLAS and OpenMP pools of NumPy, SciPy and
    scikit-learn (see :func:`train_candidate`)."""
    calibration: Method = "platt"


@dataclass
class CandidateResult:
    """A trained candidate, its figures and the scores behind them (for curves and reports)."""

    model: ScoringModel
    tuning: TuningResult
    metrics: dict[str, float]
    oof_proba: NDArray[np.float64]
    holdout_proba: NDArray[np.float64]
    holdout_uncalibrated: NDArray[np.float64]


def train_candidate(
    candidate: Candidate,
    train: pd.DataFrame,
    balanced: pd.DataFrame,
    holdout: pd.DataFrame,
    study_storage: Path,
    settings: TrainingSettings,
    data_hash: str,
    data_kind: str = "unknown",
    feature_set: FeatureSet = "history",
) -> CandidateResult:
    """Tune and train ``candidate`` on the columns of the frames given (already restricted to
    ``feature_set``, which is recorded); every figure is computed here, nothing is logged.

    NumPy's BLAS would otherwise run as many threads as cores in every step: the pipeline runs
    two candidates at once on two cores, and a logistic regression's matrix products then
    contend with the other candidate. On the first of three folds of the full-scale training
    set its fit took 16.1 s with one BLAS thread and 19.3 s with two beside a busy core (12.8 s
    and 16.0 s alone), the same AUC (``benchmarks/blas_threads.py``).
    """
    with threadpool_limits(limits=settings.n_jobs):
        return _train_candidate(
            candidate, train, balanced, holdout, study_storage, settings, data_hash, data_kind,
            feature_set,
        )  # fmt: skip


def _train_candidate(
    candidate: Candidate,
    train: pd.DataFrame,
    balanced: pd.DataFrame,
    holdout: pd.DataFrame,
    study_storage: Path,
    settings: TrainingSettings,
    data_hash: str,
    data_kind: str,
    feature_set: FeatureSet,
) -> CandidateResult:
    s = settings
    folds = s.large_data_folds if len(train) >= LARGE_DATA_ROWS else s.folds
    prefix = "" if feature_set == "history" else f"{feature_set}-"
    study_name = f"{prefix}{candidate.name}-{data_hash[:12]}-{folds}fold-seed{s.seed}"
    n_trials = s.n_trials if candidate.tunable else 1
    tuning = tune(
        candidate, train, study_storage, study_name, n_trials, s.timeout_seconds,
        folds, s.seed, s.n_jobs,
    )  # fmt: skip
    cv = tuning.cv or cross_validate(candidate, tuning.params, train, folds, s.seed, s.n_jobs)
    y_train, y_holdout = train[TARGET].to_numpy(), holdout[TARGET].to_numpy()
    # The training inputs copied once (a copy of the full-scale frame takes about a second).
    X_train = features_of(train)
    pipeline = candidate.pipeline(tuning.params, X_train, s.seed, s.n_jobs, rows=len(train))
    model = pipeline.named_steps["model"]
    # A model fitted on the classes as they come keeps every non-defaulter.
    resampled = undersamples_itself(model) or not fits_every_row(model)
    keep_rate = negative_keep_rate(train, balanced) if resampled else 1.0
    calibration = calibrate(s.calibration, candidate.raw_space, cv.oof, y_train, keep_rate)
    oof_proba = calibration(cv.oof)
    threshold, in_sample_cost = best_threshold(y_train, oof_proba)
    nested = cross_fitted_cost(
        cv.oof,
        y_train,
        lambda raw, y: calibrate(s.calibration, candidate.raw_space, raw, y, keep_rate),
        folds,
        s.seed,
    )

    # A bagging model draws its own balanced subsets, a booster learns from the classes as they
    # come: either gets every training client.
    X_fit, y_fit = (
        (X_train, y_train)
        if fits_every_row(model)
        else (features_of(balanced), balanced[TARGET].to_numpy())
    )
    start = time.perf_counter()
    if X_fit is X_train and cv.bins is not None and cv.bins.suits(pipeline, final=True):
        cv.bins.fit(pipeline, y_train)  # the training split as the folds binned it
    else:
        pipeline.fit(X_fit, y_fit)
    fit_seconds = time.perf_counter() - start
    cv.bins = None  # a gigabyte at full scale
    prep, model = pipeline.named_steps["prep"], pipeline.named_steps["model"]
    start = time.perf_counter()
    raw = np.asarray(raw_scores(prep, model, features_of(holdout)), dtype=np.float64)
    predict_seconds = time.perf_counter() - start
    proba = calibration(raw)
    as_trained = uncalibrated(candidate.raw_space)(raw)
    decided = confusion(y_holdout, proba, threshold)
    intervals = bootstrap_intervals(y_holdout, proba, threshold, seed=s.seed)

    metrics = {
        "cv_auc_mean": cv.auc_mean,
        "cv_auc_std": cv.auc_std,
        "oof_auc": _auc(y_train, cv.oof),
        "oof_business_cost": nested.cost,
        "oof_business_cost_in_sample": in_sample_cost,
        "oof_threshold_spread": float(np.ptp(nested.thresholds)),
        "threshold": threshold,
        "holdout_auc": _auc(y_holdout, raw),
        "holdout_auc_ci_low": intervals.auc[0],
        "holdout_auc_ci_high": intervals.auc[1],
        "business_cost": decided.cost(),
        "business_cost_ci_low": intervals.business_cost[0],
        "business_cost_ci_high": intervals.business_cost[1],
        "accuracy": decided.accuracy,
        "recall": decided.recall,
        "approval_rate": decided.approval_rate,
        "brier": float(brier_score_loss(y_holdout, proba)),
        "brier_uncalibrated": float(brier_score_loss(y_holdout, as_trained)),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "cv_fit_seconds": cv.fit_seconds,
        "tuning_seconds": tuning.seconds,
        "trials_complete": float(tuning.trials_complete),
        "trials_pruned": float(tuning.trials_pruned),
        "train_rows": float(len(train)),
        "balanced_rows": float(len(balanced)),
        "holdout_rows": float(len(holdout)),
    }
    if candidate.raw_space == "log-odds":
        prior = prior_correction(keep_rate, candidate.raw_space)
        metrics["brier_prior_correction"] = float(brier_score_loss(y_holdout, prior(raw)))
    trained_at = datetime.now(UTC).isoformat(timespec="seconds")
    feature_names = [str(c) for c in X_train.columns]
    # Reasons are measured from the average applicant: the training clients as they come, not
    # the balanced set (see explain.py).
    means = background_means(prep, model, X_train, feature_names, seed=s.seed)
    scoring = ScoringModel(
        name=candidate.name,
        prep=prep,
        model=model,
        calibration=calibration,
        threshold=threshold,
        feature_names=feature_names,
        metrics=metrics,
        params=tuning.params,
        version=_version(f"{prefix}{candidate.name}", tuning.params, data_hash),
        trained_at=trained_at,
        data_kind=data_kind,
        feature_set=feature_set,
        training_ids=train.index.to_numpy(dtype=np.int64),
        contribution_means=means,
    )
    return CandidateResult(scoring, tuning, metrics, oof_proba, proba, as_trained)


def _auc(y: NDArray[np.int_], scores: NDArray[np.float64]) -> float:
    """The AUC of ``scores`` (0.5 for constant scores, as the dummy's)."""
    return float(roc_auc_score(y, scores)) if np.ptp(scores) > 0 else 0.5


def _version(name: str, params: dict[str, object], data_hash: str) -> str:
    """``<name>-<12 hex>``: the same hyperparameters on the same data give the same version."""
    payload = json.dumps({"name": name, "params": params, "data": data_hash}, sort_keys=True)
    return f"{name}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"
