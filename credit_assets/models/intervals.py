"""Confidence intervals of the validation report: binomial rates and a bootstrapped AUC.

The AUC's interval comes from a stratified bootstrap: each resample draws the defaulters and the
good clients separately, with replacement, so every resample keeps the holdout's default rate
(an unstratified resample of a rare class can draw too few defaulters to rank). The resamples
are drawn as counts per client and evaluated all at once, chunk by chunk, without sorting again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 1_000
CHUNK = 100
"""Resamples evaluated together: a chunk holds ``CHUNK x good clients`` counts in memory."""


@dataclass(frozen=True)
class Interval:
    """An estimate and its two-sided confidence interval."""

    estimate: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high}


def wilson(
    successes: ArrayLike, trials: ArrayLike, confidence: float = CONFIDENCE
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval of binomial proportions, element-wise: ``(low, high)``.

    Wilson rather than the normal approximation: it stays inside [0, 1] and keeps its coverage
    for rates near 0 or 1 and for small groups. Zero trials give the uninformative ``(0, 1)``.
    """
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    if np.any(k < 0) or np.any(k > n):
        raise ValueError("successes must lie between 0 and the number of trials")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    safe_n = np.where(n > 0, n, 1.0)
    p = k / safe_n
    centre = (p + z**2 / (2 * safe_n)) / (1 + z**2 / safe_n)
    half = z * np.sqrt(p * (1 - p) / safe_n + z**2 / (4 * safe_n**2)) / (1 + z**2 / safe_n)
    # At k = 0 or k = n the bound is exactly 0 or 1; rounding would put it a hair inside.
    low = np.where((n > 0) & (k > 0), np.clip(centre - half, 0.0, 1.0), 0.0)
    high = np.where((n > 0) & (k < n), np.clip(centre + half, 0.0, 1.0), 1.0)
    return low, high


def bootstrap_auc(
    y_true: ArrayLike,
    scores: ArrayLike,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
    confidence: float = CONFIDENCE,
) -> Interval:
    """ROC AUC and its percentile interval over a stratified bootstrap.

    The AUC is the share of (defaulter, good client) pairs the scores order correctly, ties
    counting half: the same number as ``sklearn.metrics.roc_auc_score``.

    Raises:
        ValueError: if the labels are not 0/1, lengths differ, or a class is absent.
    """
    draws = stratified_bootstrap(y_true, scores, resamples, seed)
    return draws.interval(confidence)


@dataclass(frozen=True)
class BootstrapDraws:
    """The AUC of the whole sample and of each stratified resample, with the resample totals of
    any per-client values asked for (one row per value array, one column per resample)."""

    estimate: float
    aucs: NDArray[np.float64]
    totals: NDArray[np.float64]

    def interval(self, confidence: float = CONFIDENCE) -> Interval:
        """The AUC with the percentile interval of its resamples."""
        alpha = (1 - confidence) / 2
        low, high = np.quantile(self.aucs, [alpha, 1 - alpha])
        return Interval(self.estimate, float(low), float(high))


def stratified_bootstrap(
    y_true: ArrayLike,
    scores: ArrayLike,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
    values: Sequence[ArrayLike] = (),
) -> BootstrapDraws:
    """Draw ``resamples`` stratified resamples of the clients once and measure on each the AUC
    of ``scores`` and the total of each array of ``values`` (one value per client: a cost, a
    count) over the clients drawn, so that every figure of a resample comes from the same
    clients.

    Raises:
        ValueError: if the labels are not 0/1, lengths differ, or a class is absent.
    """
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError("y_true and scores must be 1-D arrays of the same length")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold 0/1 labels")
    is_positive = y == 1
    order = np.argsort(s[~is_positive], kind="stable")
    positives, negatives = s[is_positive], s[~is_positive][order]
    if positives.size == 0 or negatives.size == 0:
        raise ValueError("the AUC needs both defaulters and good clients")
    arrays = [np.asarray(v, dtype=np.float64) for v in values]
    if any(a.shape != y.shape for a in arrays):
        raise ValueError("every array of values needs one value per client")
    per_client = np.stack(arrays) if arrays else np.empty((0, len(y)))
    pos_values, neg_values = per_client[:, is_positive], per_client[:, ~is_positive][:, order]
    # For each defaulter, the good clients scoring below it and tied with it, as index ranges
    # into the sorted good clients: a resample's counts then sum over those ranges.
    below = np.searchsorted(negatives, positives, side="left")
    up_to = np.searchsorted(negatives, positives, side="right")
    estimate = _auc(np.ones((1, positives.size)), np.ones((1, negatives.size)), below, up_to).item()
    rng = np.random.default_rng(seed)
    aucs, totals = np.empty(resamples), np.empty((len(arrays), resamples))
    for start in range(0, resamples, CHUNK):
        chunk = slice(start, min(start + CHUNK, resamples))
        size = chunk.stop - start
        pos_counts = resample_counts(rng, positives.size, size)
        neg_counts = resample_counts(rng, negatives.size, size)
        aucs[chunk] = _auc(pos_counts, neg_counts, below, up_to)
        if arrays:  # (an empty product would still convert every count to a float)
            totals[:, chunk] = pos_values @ pos_counts.T + neg_values @ neg_counts.T
    return BootstrapDraws(estimate, aucs, totals)


def resample_counts(rng: np.random.Generator, n: int, size: int) -> NDArray[np.int64]:
    """``size`` bootstrap resamples of ``n`` items, as how many times each item was drawn."""
    kind = np.int32 if size * n < np.iinfo(np.int32).max else np.int64
    picks = rng.integers(0, n, size=(size, n), dtype=kind)
    picks += (n * np.arange(size, dtype=kind))[:, None]
    return np.bincount(picks.ravel(), minlength=size * n).reshape(size, n)


def _auc(
    pos_counts: NDArray[np.floating | np.integer],
    neg_counts: NDArray[np.floating | np.integer],
    below: NDArray[np.intp],
    up_to: NDArray[np.intp],
) -> NDArray[np.float64]:
    """AUC of each weighted resample (one row of counts per resample)."""
    cumulative = np.zeros((neg_counts.shape[0], neg_counts.shape[1] + 1), dtype=neg_counts.dtype)
    np.cumsum(neg_counts, axis=1, out=cumulative[:, 1:])
    wins = cumulative[:, below] + 0.5 * (cumulative[:, up_to] - cumulative[:, below])
    pairs = pos_counts.sum(1, dtype=np.float64) * neg_counts.sum(1, dtype=np.float64)
    return (pos_counts * wins).sum(1) / pairs
