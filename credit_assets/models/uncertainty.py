"""Honest figures: a cross-fitted out-of-fold cost and bootstrap intervals on the holdout.

A threshold chosen on a set of scores and the cost measured on the same scores flatter the
model: the threshold was picked to make that very cost small. :func:`cross_fitted_cost` fits the
calibration and picks the threshold on all folds but one, and counts the cost on the fold left
out, so every client's decision comes from a rule that never saw them.

:func:`bootstrap_intervals` resamples the holdout clients with replacement, stratified by label
(every resample keeps the holdout's defaulters and good clients), and gives 95 % percentile
intervals for the AUC (:func:`credit_assets.models.intervals.bootstrap_auc`, the validation
report's) and the business cost at a fixed threshold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.model_selection import StratifiedKFold

from credit_assets.models.cost import FN_COST, FP_COST, best_threshold
from credit_assets.models.intervals import BOOTSTRAP_RESAMPLES, CONFIDENCE, stratified_bootstrap

ProbabilityMap = Callable[[NDArray[np.float64]], NDArray[np.float64]]
FitCalibration = Callable[[NDArray[np.float64], NDArray[np.int_]], ProbabilityMap]


@dataclass(frozen=True)
class CrossFittedCost:
    """The out-of-fold business cost of calibrating and thresholding on the other folds."""

    cost: float
    """Business cost per client, every decision made by a rule fitted without that client."""
    thresholds: list[float]
    """The threshold each fold's rule chose (their spread shows how stable the choice is)."""


def cross_fitted_cost(
    raw: ArrayLike,
    y_true: ArrayLike,
    fit_calibration: FitCalibration,
    folds: int = 5,
    seed: int = 42,
) -> CrossFittedCost:
    """Calibrate and choose the threshold on ``folds - 1`` folds of out-of-fold scores, decide
    the last fold with that rule, and count the cost over every client.

    Args:
        raw: Out-of-fold raw scores (each client's score from a model that did not train on them).
        y_true: The labels (1: default).
        fit_calibration: Fits a map from raw scores to probabilities on scores and labels.
        folds: Number of folds of the cross-fitting.
        seed: Seeds the stratified split of the scores.
    """
    scores = np.asarray(raw, dtype=np.float64)
    y = np.asarray(y_true).astype(int)
    refused = np.zeros(len(y), dtype=bool)
    thresholds = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fit_idx, decide_idx in splitter.split(scores.reshape(-1, 1), y):
        to_probability = fit_calibration(scores[fit_idx], y[fit_idx])
        threshold, _ = best_threshold(y[fit_idx], to_probability(scores[fit_idx]))
        refused[decide_idx] = to_probability(scores[decide_idx]) >= threshold
        thresholds.append(threshold)
    missed = np.sum(~refused & (y == 1))
    wrongly_refused = np.sum(refused & (y == 0))
    cost = (FN_COST * missed + FP_COST * wrongly_refused) / max(len(y), 1)
    return CrossFittedCost(float(cost), thresholds)


@dataclass(frozen=True)
class Intervals:
    """95 % bootstrap percentile intervals of the holdout figures."""

    auc: tuple[float, float]
    business_cost: tuple[float, float]
    resamples: int


def bootstrap_intervals(
    y_true: ArrayLike,
    scores: ArrayLike,
    threshold: float,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 42,
) -> Intervals:
    """Stratified bootstrap intervals of the AUC of ``scores`` and of the business cost of
    refusing ``scores >= threshold`` (the scores must then be calibrated probabilities), both
    from the same resamples (:func:`intervals.stratified_bootstrap`)."""
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(scores, dtype=np.float64)
    # The same resamples give the AUC and the cost: each resample's two figures, one sample.
    missed = y & (s < threshold)
    refused = ~y & (s >= threshold)
    draws = stratified_bootstrap(y.astype(int), s, resamples, seed, values=(missed, refused))
    auc = draws.interval()
    costs = (FN_COST * draws.totals[0] + FP_COST * draws.totals[1]) / len(s)
    return Intervals((auc.low, auc.high), _percentiles(costs), resamples)


def _percentiles(values: NDArray[np.float64]) -> tuple[float, float]:
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)
