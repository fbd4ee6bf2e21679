"""Honest figures: a cross-fitted out-of-fold cost and bootstrap intervals on the holdout.

A threshold chosen on a set of scores and the cost measured on the same scores flatter the
model: the threshold was picked to make that very cost small. :func:`cross_fitted_cost` fits the
calibration and picks the threshold on all folds but one, and counts the cost on the fold left
out, so every client's decision comes from a rule that never saw them.

:func:`bootstrap_intervals` resamples the holdout clients with replacement, stratified by label
(every resample keeps the holdout's defaulters and good clients), and gives 95 % percentile
intervals for the AUC and the business cost at a fixed threshold. A resample is a vector of
counts per client, so the AUC of every resample comes from one sort of the scores: the weighted
Mann-Whitney statistic is a cumulative sum over them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.model_selection import StratifiedKFold

from credit_assets.models.cost import FN_COST, FP_COST, best_threshold

ProbabilityMap = Callable[[NDArray[np.float64]], NDArray[np.float64]]
FitCalibration = Callable[[NDArray[np.float64], NDArray[np.int_]], ProbabilityMap]
BOOTSTRAP_RESAMPLES = 1000
CONFIDENCE = 0.95
_CHUNK = 100


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
    refusing ``scores >= threshold`` (the scores must then be calibrated probabilities)."""
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(scores, dtype=np.float64)
    rng = np.random.default_rng(seed)
    order = np.argsort(s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    # Ties share a block: a positive counts half of the negatives tied with it.
    starts = np.r_[True, s_sorted[1:] != s_sorted[:-1]]
    positives, negatives = np.flatnonzero(y_sorted), np.flatnonzero(~y_sorted)
    refused = s_sorted >= threshold
    aucs, costs = [], []
    for first in range(0, resamples, _CHUNK):
        size = min(_CHUNK, resamples - first)
        weights = np.zeros((size, len(s)))
        # Stratified: each resample draws as many defaulters and good clients as the holdout has.
        for members in (positives, negatives):
            if len(members):
                draws = rng.integers(0, len(members), (size, len(members)))
                weights[:, members] = _counts(draws, len(members))
        aucs.append(_weighted_auc(weights, y_sorted, starts))
        missed = (weights * (~refused & y_sorted)).sum(axis=1)
        wrong = (weights * (refused & ~y_sorted)).sum(axis=1)
        costs.append((FN_COST * missed + FP_COST * wrong) / len(s))
    auc = np.concatenate(aucs)
    return Intervals(_percentiles(auc), _percentiles(np.concatenate(costs)), resamples)


def _counts(draws: NDArray[np.int_], n: int) -> NDArray[np.float64]:
    """How often each of ``n`` members was drawn, per row of ``draws``."""
    rows = np.repeat(np.arange(len(draws)), draws.shape[1])
    counts = np.bincount(rows * n + draws.ravel(), minlength=len(draws) * n)
    return counts.reshape(len(draws), n).astype(np.float64)


def _weighted_auc(
    weights: NDArray[np.float64], y_sorted: NDArray[np.bool_], starts: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """AUC per row of ``weights`` (counts per client, clients sorted by score, ascending;
    ``starts`` marks the first client of each run of equal scores)."""
    negative = weights * ~y_sorted
    positive = weights * y_sorted
    first = np.flatnonzero(starts)
    per_block = np.add.reduceat(negative, first, axis=1)
    below = np.cumsum(per_block, axis=1) - per_block  # negatives in lower blocks
    block = np.cumsum(starts) - 1
    wins = below[:, block] + 0.5 * per_block[:, block]
    total = positive.sum(axis=1) * negative.sum(axis=1)
    return (positive * wins).sum(axis=1) / np.maximum(total, 1e-12)


def _percentiles(values: NDArray[np.float64]) -> tuple[float, float]:
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)
