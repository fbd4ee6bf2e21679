"""The holdout's bootstrap intervals as every candidate computes them, the previous way and now.

Usage:
    python benchmarks/bootstrap.py [--clients 61503] [--default-rate 0.08] [--repeats 3]

On scores of ``--clients`` holdout clients (the full-scale holdout has 61,503), prints the best of
``--repeats`` calls (seconds) of ``bootstrap_intervals`` (AUC and business-cost intervals, 1,000
stratified resamples) and of ``bootstrap_auc`` (the validation report's, per champion), each
beside the previous way (until stop 24): the AUC's and the cost's resamples drawn separately,
counts converted to floats. The intervals of both ways are printed: the same bootstrap, other
random draws, so they agree to the Monte Carlo error, not digit for digit.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from credit_assets.models.cost import FN_COST, FP_COST
from credit_assets.models.intervals import BOOTSTRAP_RESAMPLES, CHUNK, bootstrap_auc
from credit_assets.models.uncertainty import bootstrap_intervals


def previous_counts(rng: np.random.Generator, n: int, size: int) -> NDArray[np.float64]:
    picks = rng.integers(0, n, size=(size, n)) + n * np.arange(size)[:, None]
    return np.bincount(picks.ravel(), minlength=size * n).reshape(size, n).astype(np.float64)


def previous_auc(y: NDArray[np.int_], s: NDArray[np.float64], seed: int) -> tuple[float, float]:
    positives, negatives = s[y == 1], np.sort(s[y == 0])
    below = np.searchsorted(negatives, positives, side="left")
    up_to = np.searchsorted(negatives, positives, side="right")
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(0, BOOTSTRAP_RESAMPLES, CHUNK):
        pos = previous_counts(rng, positives.size, CHUNK)
        neg = previous_counts(rng, negatives.size, CHUNK)
        cumulative = np.concatenate([np.zeros((CHUNK, 1)), neg.cumsum(1)], 1)
        wins = cumulative[:, below] + 0.5 * (cumulative[:, up_to] - cumulative[:, below])
        draws.append((pos * wins).sum(1) / (pos.sum(1) * neg.sum(1)))
    low, high = np.quantile(np.concatenate(draws), [0.025, 0.975])
    return float(low), float(high)


def previous_intervals(
    y: NDArray[np.int_], s: NDArray[np.float64], threshold: float, seed: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    auc = previous_auc(y, s, seed)
    missed_if_drawn = (s[y == 1] < threshold).astype(np.float64)
    refused_if_drawn = (s[y == 0] >= threshold).astype(np.float64)
    rng = np.random.default_rng(seed)
    costs = []
    for _ in range(0, BOOTSTRAP_RESAMPLES, CHUNK):
        missed = previous_counts(rng, len(missed_if_drawn), CHUNK) @ missed_if_drawn
        wrong = previous_counts(rng, len(refused_if_drawn), CHUNK) @ refused_if_drawn
        costs.append((FN_COST * missed + FP_COST * wrong) / len(s))
    low, high = np.percentile(np.concatenate(costs), [2.5, 97.5])
    return auc, (float(low), float(high))


def best_of(repeats: int, call: Callable[[], Any]) -> tuple[float, Any]:
    seconds, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - start)
    return min(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=61_503)
    parser.add_argument("--default-rate", type=float, default=0.08)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    y = (rng.random(args.clients) < args.default_rate).astype(int)
    proba = 1 / (1 + np.exp(-(rng.normal(size=args.clients) + 1.1 * y - 3)))
    threshold = 1 / (1 + FN_COST / FP_COST)
    print(f"{args.clients} clients, {y.sum()} defaulters, {BOOTSTRAP_RESAMPLES} resamples")
    rows = [
        ("intervals, previous", lambda: previous_intervals(y, proba, threshold, args.seed)),
        (
            "intervals, now",
            lambda: (lambda i: (i.auc, i.business_cost))(
                bootstrap_intervals(y, proba, threshold, seed=args.seed)
            ),
        ),
        ("AUC alone, previous", lambda: (previous_auc(y, proba, args.seed), None)),
        (
            "AUC alone, now",
            lambda: (lambda i: ((i.low, i.high), None))(bootstrap_auc(y, proba, seed=args.seed)),
        ),
    ]
    for label, call in rows:
        seconds, (auc, cost) = best_of(args.repeats, call)
        cost_text = f"; cost {cost[0]:.4f}-{cost[1]:.4f}" if cost else ""
        print(f"{label:22s} {seconds:6.2f} s  AUC {auc[0]:.4f}-{auc[1]:.4f}{cost_text}")


if __name__ == "__main__":
    main()
