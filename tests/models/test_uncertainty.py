"""Honest figures: the cross-fitted out-of-fold cost and the bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.metrics import roc_auc_score

from credit_assets.models.calibration import Calibration, fit_platt
from credit_assets.models.cost import FN_COST, FP_COST, best_threshold
from credit_assets.models.intervals import bootstrap_auc, stratified_bootstrap
from credit_assets.models.uncertainty import bootstrap_intervals, cross_fitted_cost


def scores(n: int, seed: int = 0) -> tuple[NDArray[np.int_], NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.08).astype(int)
    return y, rng.normal(size=n) + 1.0 * y


def platt(raw: NDArray[np.float64], y: NDArray[np.int_]) -> Calibration:
    return fit_platt(raw, y, "log-odds")


def test_the_bootstrapped_auc_is_the_auc_ties_included() -> None:
    y, s = scores(2_000)
    s = np.round(s, 1)  # many ties
    auc = bootstrap_auc(y, s, resamples=10).estimate
    assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_bootstrap_intervals_hold_the_figure_and_narrow_with_more_clients() -> None:
    y, s = scores(3_000)
    proba = 1 / (1 + np.exp(-(s - 3)))
    small = bootstrap_intervals(y, proba, 1 / 11, resamples=300)
    low, high = small.auc
    assert low < roc_auc_score(y, proba) < high
    y_big, s_big = scores(30_000, seed=1)
    big = bootstrap_intervals(y_big, 1 / (1 + np.exp(-(s_big - 3))), 1 / 11, resamples=300)
    assert big.auc[1] - big.auc[0] < (high - low) / 2
    assert big.business_cost[0] < big.business_cost[1]


def test_each_resample_is_stratified_and_its_auc_is_that_of_the_clients_drawn() -> None:
    """One-hot values give how often each client was drawn: every resample keeps the number of
    defaulters and good clients, and its AUC is the weighted AUC of exactly those draws."""
    y, s = scores(150, seed=5)
    s = np.round(s, 1)  # ties
    draws = stratified_bootstrap(y, s, resamples=120, seed=2, values=list(np.eye(len(y))))
    counts = draws.totals  # clients x resamples
    assert np.array_equal(counts.sum(0), np.full(120, len(y)))
    assert np.array_equal(counts[y == 1].sum(0), np.full(120, y.sum()))
    for r in range(0, 120, 17):
        expected = roc_auc_score(y, s, sample_weight=counts[:, r])
        assert draws.aucs[r] == pytest.approx(expected, abs=1e-12)
    assert draws.estimate == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert len(set(draws.aucs.round(12))) > 60  # the resamples differ


def test_the_cost_interval_comes_from_the_resamples_of_the_auc() -> None:
    y, s = scores(2_000, seed=6)
    proba = 1 / (1 + np.exp(-(s - 3)))
    threshold = 1 / 11
    intervals = bootstrap_intervals(y, proba, threshold, resamples=200, seed=1)
    draws = stratified_bootstrap(y, proba, resamples=200, seed=1, values=list(np.eye(len(y))))
    refused = proba >= threshold
    per_client = (FN_COST * (y == 1) * ~refused + FP_COST * (y == 0) * refused) / len(y)
    costs = per_client @ draws.totals
    assert intervals.business_cost == pytest.approx(tuple(np.percentile(costs, [2.5, 97.5])))
    assert intervals.auc == pytest.approx(tuple(np.quantile(draws.aucs, [0.025, 0.975])))


def test_values_of_another_length_than_the_clients_are_refused() -> None:
    y, s = scores(100)
    with pytest.raises(ValueError, match="one value per client"):
        stratified_bootstrap(y, s, resamples=10, values=[np.ones(99)])


def test_the_cross_fitted_cost_is_not_flattered_by_its_own_threshold() -> None:
    """On pure noise, a threshold tuned on the same rows finds a cheaper-than-chance cost; the
    cross-fitted one does not: it is at least the cost of refusing nobody, give or take noise."""
    rng = np.random.default_rng(3)
    y = (rng.random(4_000) < 0.08).astype(int)
    noise = rng.normal(size=len(y))
    _, in_sample = best_threshold(y, platt(noise, y)(noise))
    nested = cross_fitted_cost(noise, y, platt, folds=5, seed=0)
    refuse_nobody = 10 * y.mean()
    assert in_sample < refuse_nobody
    assert nested.cost > in_sample
    assert len(nested.thresholds) == 5


def test_the_cross_fitted_cost_is_close_to_the_in_sample_cost_on_a_real_signal() -> None:
    y, s = scores(20_000, seed=4)
    _, in_sample = best_threshold(y, platt(s, y)(s))
    nested = cross_fitted_cost(s, y, platt)
    assert nested.cost == pytest.approx(in_sample, rel=0.05)
