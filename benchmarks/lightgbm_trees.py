"""A LightGBM candidate's validation AUC by number of trees, on the first fold of its CV.

Usage:
    python benchmarks/lightgbm_trees.py TRAINING_DIR [--trees 900] [--folds 3] [--every 100]
        [--feature-set history|application_only] [--variant KEY=VALUE[,KEY=VALUE...]]...

TRAINING_DIR holds a ``make pipeline`` run's ``training_set.arrow`` (``DATA_DIR/training``),
restricted to the columns of ``--feature-set``. The candidate's first trial (its large-data
settings from ``LARGE_DATA_ROWS`` on), with ``--trees`` trees instead of its own count, is
fitted on the training rows of the first of the stratified folds its cross-validation uses
(same seed), one thread as in the pipeline; the validation fold's AUC is printed every
``--every`` trees, with the seconds of the fit. Whether the candidate's tree count still gains,
or could be cut to save fitting time, without choosing anything on the holdout. Each
``--variant`` (LightGBM settings as JSON values or bare words,
``subsample=0.6,boosting_type=goss``) is fitted the same way after the candidate's own settings
and printed beside them: what a faster setting costs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from credit_assets.features.feature_sets import FEATURE_SETS
from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.data import TARGET, features_of, for_feature_set


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("training_dir", type=Path)
    parser.add_argument("--trees", type=int, default=900)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--feature-set", choices=FEATURE_SETS, default="history")
    parser.add_argument("--variant", action="append", default=[], type=variant)
    args = parser.parse_args()
    train = pd.read_feather(args.training_dir / "training_set.arrow")
    train = for_feature_set(train, args.feature_set)
    candidate = CANDIDATES["lightgbm"]
    X, y = features_of(train), train[TARGET].to_numpy()
    splitter = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=args.seed)
    train_idx, valid_idx = next(splitter.split(X, y))
    settings = candidate.defaults_for(len(train))
    print(f"first trial: {settings}; {len(train_idx)} training / {len(valid_idx)} validation rows")
    for changes in [{}, *args.variant]:
        label = ", ".join(f"{k}={v}" for k, v in changes.items()) or "the candidate's settings"
        pipeline = candidate.pipeline(
            settings | changes | {"n_estimators": args.trees}, X, args.seed, 1, rows=len(train)
        )
        start = time.perf_counter()
        pipeline.fit(X.iloc[train_idx], y[train_idx])
        seconds = time.perf_counter() - start
        booster = pipeline.named_steps["model"].booster_
        encoded = pipeline.named_steps["prep"].transform(X.iloc[valid_idx])
        print(f"{label}: {args.trees} trees fitted in {seconds:.1f} s (encoder included)")
        for trees in range(args.every, args.trees + 1, args.every):
            scores = np.asarray(booster.predict(encoded, raw_score=True, num_iteration=trees))
            auc = roc_auc_score(y[valid_idx], scores)
            mark = "  <- the candidate's count" if trees == settings.get("n_estimators") else ""
            print(f"  {trees:5d} trees: validation AUC {auc:.5f}{mark}", flush=True)


def variant(text: str) -> dict[str, Any]:
    """``subsample=0.6,max_bin=31`` -> ``{"subsample": 0.6, "max_bin": 31}``."""
    changes = {}
    for pair in text.split(","):
        key, _, value = pair.partition("=")
        if not key or not value:
            raise argparse.ArgumentTypeError(f"{pair!r} is not KEY=VALUE")
        try:
            changes[key.strip()] = json.loads(value)
        except json.JSONDecodeError:  # a bare word: boosting_type=goss
            changes[key.strip()] = value.strip()
    return changes


if __name__ == "__main__":
    main()
