"""The large-data settings against the previous ones, fold by fold, on a full-scale training set.

Usage:
    python benchmarks/large_data.py TRAINING_SET.arrow [--folds 3] [--feature-set history]
        [--candidates lightgbm,random_forest] [--n-jobs 2]

TRAINING_SET.arrow is the ``training_set`` a ``make pipeline`` run wrote (``DATA_DIR/training/
training_set.arrow``). For each candidate, each of the first ``--folds`` folds of the 5-fold
split the demo uses is fitted the previous way and the way ``LARGE_DATA_ROWS`` now selects, with
the same preprocessing, on the same rows; the validation fold's AUC and the fit's seconds are
printed side by side, then their means:

- LightGBM: five boosters on balanced bags (undersampled bagging) vs one booster on every client;
- random forest: each tree on the whole balanced fold vs on half of it (``max_samples``).

The fold count of the pipeline (3 instead of 5 from ``LARGE_DATA_ROWS`` on) spares whole fits:
its effect is the number of fits, not a per-fit figure.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from credit_assets.features.feature_sets import FeatureSet
from credit_assets.models.candidates import CANDIDATES, LARGE_DATA_ROWS
from credit_assets.models.data import TARGET, features_of, for_feature_set
from credit_assets.models.scores import raw_scores
from credit_assets.models.validation import sampling_pipeline

PREVIOUS = {
    "lightgbm": {"bags": 5, "resampling": "undersample"},
    "random_forest": {"max_samples": None},
}
"""What the previous way set differently at full scale (the rest of the large-data settings, such
as LightGBM's 600 trees of 8 leaves, were already those)."""


def fold_figures(
    name: str, X: pd.DataFrame, y: np.ndarray, folds: int, n_jobs: int
) -> dict[str, list[tuple[float, float]]]:
    """Per way, ``(AUC, fit seconds)`` of each of the first ``folds`` folds."""
    candidate = CANDIDATES[name]
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
    large = candidate.defaults_for(LARGE_DATA_ROWS)
    ways = {"previous": large | PREVIOUS[name], "large data": large}
    figures: dict[str, list[tuple[float, float]]] = {way: [] for way in ways}
    for fold, (fit_rows, valid_rows) in enumerate(splitter.split(X, y)):
        if fold == folds:
            break
        for way, params in ways.items():
            pipeline = sampling_pipeline(candidate, params, X, 42 + fold, n_jobs)
            start = time.perf_counter()
            pipeline.fit(X.iloc[fit_rows], y[fit_rows])
            seconds = time.perf_counter() - start
            scores = raw_scores(
                pipeline.named_steps["prep"], pipeline.named_steps["model"], X.iloc[valid_rows]
            )
            auc = float(roc_auc_score(y[valid_rows], scores))
            figures[way].append((auc, seconds))
            print(f"{name:14s} fold {fold}  {way:10s}  AUC {auc:.4f}  fit {seconds:6.1f} s")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("training_set")
    parser.add_argument("--folds", type=int, default=3, help="folds of the 5-fold split to fit")
    parser.add_argument("--feature-set", default="history", choices=["history", "application_only"])
    parser.add_argument("--candidates", default="lightgbm,random_forest")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    feature_set: FeatureSet = args.feature_set
    frame = for_feature_set(pd.read_feather(args.training_set), feature_set)
    X, y = features_of(frame), frame[TARGET].to_numpy()
    print(f"{len(frame):,} training clients, {X.shape[1]} features ({feature_set})")
    for name in args.candidates.split(","):
        figures = fold_figures(name, X, y, args.folds, args.n_jobs)
        for way, values in figures.items():
            aucs, seconds = zip(*values, strict=True)
            print(
                f"{name:14s} mean    {way:10s}  AUC {statistics.mean(aucs):.4f}"
                f"  fit {statistics.mean(seconds):6.1f} s  ({len(values)} folds)"
            )


if __name__ == "__main__":
    main()
