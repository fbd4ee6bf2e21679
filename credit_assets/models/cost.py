"""The business cost of credit decisions and the threshold that minimises it.

A client is refused when their probability of default is at or above the threshold. A missed
default (false negative: a defaulter accepted) costs ``FN_COST`` times a good client refused
(false positive). Costs are reported per client so datasets of different sizes compare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FN_COST = 10.0
FP_COST = 1.0


@dataclass(frozen=True)
class Confusion:
    """Counts of a refuse-if-``p >= threshold`` decision against the true labels."""

    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    def cost(self, fn_cost: float = FN_COST, fp_cost: float = FP_COST) -> float:
        """Business cost per client: ``(fn_cost * FN + fp_cost * FP) / n``."""
        return (fn_cost * self.fn + fp_cost * self.fp) / max(self.n, 1)

    @property
    def recall(self) -> float:
        """Share of defaulters refused (true-positive rate)."""
        return self.tp / max(self.tp + self.fn, 1)

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / max(self.n, 1)

    @property
    def fnr(self) -> float:
        """Share of defaulters accepted."""
        return self.fn / max(self.tp + self.fn, 1)

    @property
    def fpr(self) -> float:
        """Share of good clients refused."""
        return self.fp / max(self.fp + self.tn, 1)

    @property
    def approval_rate(self) -> float:
        return (self.tn + self.fn) / max(self.n, 1)


def confusion(y_true: ArrayLike, proba: ArrayLike, threshold: float) -> Confusion:
    """The confusion counts when clients with ``proba >= threshold`` are refused."""
    y = np.asarray(y_true).astype(bool)
    refused = np.asarray(proba, dtype=float) >= threshold
    return Confusion(
        tp=int(np.sum(refused & y)),
        fp=int(np.sum(refused & ~y)),
        tn=int(np.sum(~refused & ~y)),
        fn=int(np.sum(~refused & y)),
    )


def business_cost(
    y_true: ArrayLike,
    proba: ArrayLike,
    threshold: float,
    fn_cost: float = FN_COST,
    fp_cost: float = FP_COST,
) -> float:
    """Cost per client of refusing every client with ``proba >= threshold``."""
    return confusion(y_true, proba, threshold).cost(fn_cost, fp_cost)


def cost_curve(
    y_true: ArrayLike,
    proba: ArrayLike,
    fn_cost: float = FN_COST,
    fp_cost: float = FP_COST,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Every distinct decision on these scores: thresholds and their cost per client.

    The thresholds are the distinct scores, highest first, preceded by one above every score
    (refuse nobody); threshold ``t`` refuses the clients scoring at least ``t``.
    """
    y = np.asarray(y_true).astype(bool)
    p = np.asarray(proba, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError("y_true and proba must be 1-D arrays of the same length")
    order = np.argsort(-p, kind="stable")
    p_sorted, y_sorted = p[order], y[order]
    refused_pos = np.cumsum(y_sorted)
    refused_neg = np.cumsum(~y_sorted)
    # Only the last index of each run of equal scores is a reachable decision.
    last_of_run = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    positives = int(y.sum())
    fn = np.r_[positives, positives - refused_pos[last_of_run]]
    fp = np.r_[0, refused_neg[last_of_run]]
    above_all = max(float(np.nextafter(p_sorted[0], np.inf)), 1.0) if p.size else 1.0
    thresholds = np.r_[above_all, p_sorted[last_of_run]]
    costs = (fn_cost * fn + fp_cost * fp) / max(p.size, 1)
    return thresholds, costs


def best_threshold(
    y_true: ArrayLike,
    proba: ArrayLike,
    fn_cost: float = FN_COST,
    fp_cost: float = FP_COST,
) -> tuple[float, float]:
    """The threshold minimising the business cost on these scores, and that cost per client.

    The threshold returned lies halfway between the last score refused and the next one down, so
    it does not sit on a training score; ties in cost go to the higher threshold (fewer refusals).
    """
    thresholds, costs = cost_curve(y_true, proba, fn_cost, fp_cost)
    i = int(np.argmin(costs))
    threshold = thresholds[i]
    if 0 < i < len(thresholds) - 1:
        threshold = (thresholds[i] + thresholds[i + 1]) / 2
    return float(threshold), float(costs[i])


def bayes_threshold(fn_cost: float = FN_COST, fp_cost: float = FP_COST) -> float:
    """The cost-optimal threshold for calibrated probabilities: ``fp / (fp + fn)`` (1/11)."""
    return fp_cost / (fp_cost + fn_cost)
