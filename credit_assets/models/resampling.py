"""The resampling experiment: undersampling vs class weights vs no resampling, same model.

Each strategy is cross-validated on the training split (the sampler inside the training folds
only), calibrated and thresholded on its out-of-fold scores, refitted on the whole training split
and scored on the holdout, so the three compare by AUC and by business cost.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
from sklearn.metrics import roc_auc_score

from credit_assets.models.calibration import fit_platt
from credit_assets.models.candidates import Candidate, ClassWeight, Params, raw_scores
from credit_assets.models.cost import best_threshold, confusion
from credit_assets.models.data import TARGET, features_of
from credit_assets.models.validation import (
    SamplerFactory,
    cross_validate,
    sampling_pipeline,
    undersampler,
)

STRATEGIES: dict[str, tuple[SamplerFactory | None, ClassWeight]] = {
    "undersampling": (undersampler, None),
    "class_weight": (None, "balanced"),
    "no_resampling": (None, None),
}


def compare_resampling(
    candidate: Candidate,
    params: Params,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    folds: int = 5,
    seed: int = 42,
    n_jobs: int = 2,
) -> dict[str, dict[str, float]]:
    """Per strategy: CV AUC, out-of-fold and holdout business cost, holdout AUC, fit time."""
    y_train, y_holdout = train[TARGET].to_numpy(), holdout[TARGET].to_numpy()
    results: dict[str, dict[str, float]] = {}
    for strategy, (sampler, weight) in STRATEGIES.items():
        cv = cross_validate(
            candidate, params, train, folds, seed, n_jobs, sampler=sampler, class_weight=weight
        )
        calibration = fit_platt(cv.oof, y_train, candidate.raw_space)
        threshold, oof_cost = best_threshold(y_train, calibration(cv.oof))
        pipeline: Any = sampling_pipeline(
            candidate, params, features_of(train), seed, n_jobs, sampler, weight
        )
        start = time.perf_counter()
        pipeline.fit(features_of(train), y_train)
        fit_seconds = time.perf_counter() - start
        raw = raw_scores(
            pipeline.named_steps["prep"], pipeline.named_steps["model"], features_of(holdout)
        )
        proba = calibration(raw)
        results[strategy] = {
            "cv_auc_mean": cv.auc_mean,
            "cv_auc_std": cv.auc_std,
            "oof_business_cost": oof_cost,
            "holdout_auc": float(roc_auc_score(y_holdout, raw)),
            "business_cost": confusion(y_holdout, proba, threshold).cost(),
            "threshold": threshold,
            "fit_seconds": fit_seconds,
            "fit_rows": float(2 * y_train.sum() if sampler else len(train)),
        }
    return results
