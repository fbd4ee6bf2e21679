"""Calibration after undersampling: the served number is a real probability of default."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.special import expit, logit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import cross_val_predict

from credit_assets.models.calibration import (
    calibrate,
    fit_platt,
    prior_correction,
    uncalibrated,
)


def population(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Clients with one risk factor and about 8 % defaulters, like the Home Credit data."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 1))
    y = (rng.random(n) < expit(-2.8 + 1.2 * x[:, 0])).astype(int)
    return x, y


def undersampled(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    negatives = np.flatnonzero(y == 0)
    kept = rng.choice(negatives, size=int(y.sum()), replace=False)
    rows = np.sort(np.r_[np.flatnonzero(y == 1), kept])
    return x[rows], y[rows], len(kept) / len(negatives)


def test_calibration_improves_the_brier_score_after_undersampling() -> None:
    x, y = population(40_000, seed=0)
    x_test, y_test = population(40_000, seed=1)
    xb, yb, keep_rate = undersampled(x, y, seed=2)
    model = LogisticRegression().fit(xb, yb)
    raw_test = model.decision_function(x_test)
    as_trained = uncalibrated("log-odds")(raw_test)
    # Out-of-fold scores on the real population from models trained on undersampled data.
    oof = np.empty(len(y))
    for fold in range(4):
        valid = np.arange(len(y)) % 4 == fold
        xf, yf, _ = undersampled(x[~valid], y[~valid], seed=fold)
        oof[valid] = LogisticRegression().fit(xf, yf).decision_function(x[valid])
    platt = fit_platt(oof, y, "log-odds")
    prior = prior_correction(keep_rate, "log-odds")
    before = brier_score_loss(y_test, as_trained)
    assert brier_score_loss(y_test, platt(raw_test)) < 0.8 * before
    assert brier_score_loss(y_test, prior(raw_test)) < 0.8 * before
    assert platt(raw_test).mean() == pytest.approx(y_test.mean(), abs=0.01)


def test_prior_correction_shifts_log_odds_by_the_log_of_the_keep_rate() -> None:
    correction = prior_correction(0.1, "log-odds")
    p_sampled = np.array([0.2, 0.5, 0.9])
    expected = p_sampled * 0.1 / (p_sampled * 0.1 - p_sampled + 1)
    np.testing.assert_allclose(correction(logit(p_sampled)), expected)


def test_prior_correction_needs_log_odds() -> None:
    with pytest.raises(ValueError, match="log-odds"):
        prior_correction(0.1, "probability")


def test_platt_on_probability_scores_and_the_prior_fallback() -> None:
    x, y = population(5_000, seed=3)
    p = np.asarray(cross_val_predict(LogisticRegression(), x, y, method="predict_proba"))[:, 1]
    calibration: Any = calibrate("prior", "probability", p, y, negative_keep_rate=0.1)
    assert calibration.method == "platt"
    assert calibration(p).mean() == pytest.approx(y.mean(), abs=0.01)
    assert calibrate("none", "probability", p, y, 0.1)(p) == pytest.approx(p)
