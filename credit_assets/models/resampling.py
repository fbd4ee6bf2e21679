"""The resampling experiment: undersampling vs class weights vs no resampling, same model.

Each strategy uses a single LightGBM model (``bags=1``); the candidate's undersampled bagging is
reported by the candidate itself.

Each strategy is cross-validated on the training split (the sampler inside the training folds
only); its business cost is cross-fitted on the out-of-fold scores (Platt calibration and
threshold fitted on the other folds, cost counted on the fold left out), so the three compare by
AUC and by a cost no rule was tuned on, on the same clients. The threshold and Brier score shown
are those of a calibration fitted on all out-of-fold scores (in-sample, for reference).
"""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import brier_score_loss

from credit_assets.models.calibration import fit_platt
from credit_assets.models.candidates import Candidate, ClassWeight, Params
from credit_assets.models.cost import best_threshold
from credit_assets.models.data import TARGET
from credit_assets.models.uncertainty import cross_fitted_cost
from credit_assets.models.validation import SamplerFactory, cross_validate, undersampler

STRATEGIES: dict[str, tuple[SamplerFactory | None, ClassWeight, bool]] = {
    "undersampling": (undersampler, None, False),
    "class_weight": (None, "balanced", False),
    "no_resampling": (None, None, False),
}
"""Sampler, class weight, and whether the model bags undersampled subsets (the tuned ``bags``).

The bagging line is left out by default: it costs ``bags`` fits per fold, and the LightGBM
candidate's own cross-validation already reports it."""


def compare_resampling(
    candidate: Candidate,
    params: Params,
    train: pd.DataFrame,
    folds: int = 3,
    seed: int = 42,
    n_jobs: int = 1,
) -> dict[str, dict[str, float]]:
    """Per strategy: CV AUC, out-of-fold business cost, threshold and fit time.

    Every figure is out-of-fold on the training split: the holdout stays reserved for the
    candidates, and without a refit the experiment costs ``folds`` fits per strategy.
    """
    y = train[TARGET].to_numpy()
    results: dict[str, dict[str, float]] = {}
    for strategy, (sampler, weight, bagging) in STRATEGIES.items():
        # The strategy decides how classes are balanced, not the candidate's large-data defaults.
        settings = {**params, "resampling": "undersample"} | ({} if bagging else {"bags": 1})
        cv = cross_validate(
            candidate, settings, train, folds, seed, n_jobs, sampler=sampler, class_weight=weight
        )
        calibration = fit_platt(cv.oof, y, candidate.raw_space)
        proba = calibration(cv.oof)
        threshold, _ = best_threshold(y, proba)
        nested = cross_fitted_cost(
            cv.oof, y, lambda raw, labels: fit_platt(raw, labels, candidate.raw_space), folds, seed
        )
        results[strategy] = {
            "cv_auc_mean": cv.auc_mean,
            "cv_auc_std": cv.auc_std,
            "business_cost": nested.cost,
            "threshold": threshold,
            "brier": float(brier_score_loss(y, proba)),
            "fit_seconds": cv.fit_seconds / folds,
            "fit_rows": float(
                len(train) * (folds - 1) / folds * (2 * y.mean() if sampler or bagging else 1)
            ),
        }
    return results
