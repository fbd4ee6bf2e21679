"""Calibration: turn a model's raw score into a real probability of default.

Undersampling trains a model on a population with far more defaulters than the real one, so its
raw probabilities overstate risk. Both corrections here are affine in log-odds,
``logit(P) = slope * raw + intercept``, so they keep the ranking (AUC) and the per-feature
explanations stay exact on the calibrated log-odds.

- ``platt``: slope and intercept fitted by logistic regression on out-of-fold raw scores, which
  come from models trained on undersampled folds and scored on untouched validation folds.
- ``prior``: the closed-form correction for sampling (Dal Pozzolo et al., 2015): with a fraction
  ``beta`` of non-defaulters kept, ``logit(P) = logit(P_sampled) + log(beta)``. It needs a raw
  score in log-odds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, logit
from sklearn.linear_model import LogisticRegression

from credit_assets.models.scores import RawSpace

Method = Literal["platt", "prior", "none"]
_EPS = 1e-6


@dataclass(frozen=True)
class Calibration:
    """``P(default) = sigmoid(slope * raw + intercept)`` for raw scores of ``raw_space``."""

    method: Method
    raw_space: RawSpace
    slope: float = 1.0
    intercept: float = 0.0

    def log_odds(self, raw: ArrayLike) -> NDArray[np.float64]:
        """The calibrated log-odds of default."""
        return self.slope * _as_input(raw, self.raw_space, self.method) + self.intercept

    def __call__(self, raw: ArrayLike) -> NDArray[np.float64]:
        """The calibrated probability of default."""
        return expit(self.log_odds(raw))


def _as_input(raw: ArrayLike, raw_space: RawSpace, method: Method) -> NDArray[np.float64]:
    values = np.asarray(raw, dtype=np.float64)
    if raw_space == "probability" and method == "none":
        return logit(np.clip(values, _EPS, 1 - _EPS))
    return values


def fit_platt(raw: ArrayLike, y_true: ArrayLike, raw_space: RawSpace) -> Calibration:
    """Platt scaling fitted on out-of-fold raw scores and their labels."""
    x = np.asarray(raw, dtype=np.float64).reshape(-1, 1)
    model = LogisticRegression(C=1e6, max_iter=1000).fit(x, np.asarray(y_true))
    return Calibration("platt", raw_space, float(model.coef_[0, 0]), float(model.intercept_[0]))


def prior_correction(negative_keep_rate: float, raw_space: RawSpace) -> Calibration:
    """The closed-form correction for keeping a share ``negative_keep_rate`` of non-defaulters.

    Raises:
        ValueError: for a raw score that is not in log-odds.
    """
    if raw_space != "log-odds":
        raise ValueError("the prior correction needs raw scores in log-odds")
    return Calibration("prior", raw_space, 1.0, float(np.log(negative_keep_rate)))


def uncalibrated(raw_space: RawSpace) -> Calibration:
    """The model's own probability, as trained (on undersampled data: overstated)."""
    return Calibration("none", raw_space)


def calibrate(
    method: Method,
    raw_space: RawSpace,
    oof_raw: ArrayLike,
    y_true: ArrayLike,
    negative_keep_rate: float,
) -> Calibration:
    """The calibration ``method`` asks for; ``prior`` falls back to Platt for probability scores."""
    if method == "none":
        return uncalibrated(raw_space)
    if method == "prior" and raw_space == "log-odds":
        return prior_correction(negative_keep_rate, raw_space)
    return fit_platt(oof_raw, y_true, raw_space)
