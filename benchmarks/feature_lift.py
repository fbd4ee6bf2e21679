"""What the side tables add: LightGBM AUC with application features only vs the full client table.

Usage:
    python benchmarks/feature_lift.py DATA_DIR [--clients N] [--folds K] [--seed S]
                                      [--features CLIENT_FEATURES.parquet]

Builds the client table from the Kaggle CSVs in DATA_DIR with ``build_all`` (as the assets do),
draws at most N training clients (seeded), and runs the same stratified K-fold LightGBM on the
``application_features`` columns and on every column. Categorical columns become pandas
categories whose levels come from each fold's training part only. Prints both AUCs and the lift.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import polars as pl
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from credit_assets.features.build import APPLICATION, build_all
from credit_assets.features.common import KEY, safe_name
from credit_assets.features.serving import FeatureSpec
from credit_assets.features.sources import scan_csvs

# The settings of the real-data measurement in the shared data README.
PARAMS = {
    "n_estimators": 300,
    "learning_rate": 0.03,
    "num_leaves": 31,
    "min_child_samples": 50,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.5,
    "reg_lambda": 1.0,
    "verbose": -1,
}


def with_fold_categories(
    train: pd.DataFrame, valid: pd.DataFrame, categorical: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """String columns as categories, with levels seen in the training part only."""
    train, valid = train.copy(), valid.copy()
    for column in categorical:
        levels = sorted(train[column].dropna().unique())
        train[column] = pd.Categorical(train[column], categories=levels)
        valid[column] = pd.Categorical(valid[column], categories=levels)
    return train, valid


def cv_auc(
    frame: pd.DataFrame, target: np.ndarray, categorical: Sequence[str], folds: int, seed: int
) -> float:
    """Out-of-fold AUC of LightGBM over stratified folds."""
    scores = np.zeros(len(frame))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_rows, valid_rows in splitter.split(frame, target):
        train, valid = with_fold_categories(
            frame.iloc[train_rows], frame.iloc[valid_rows], categorical
        )
        model = lgb.LGBMClassifier(**PARAMS, random_state=seed)
        model.fit(train, target[train_rows])
        scores[valid_rows] = np.asarray(model.predict_proba(valid))[:, 1]
    return float(roc_auc_score(target, scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--clients", type=int, default=60_000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--features", type=Path, help="a client table already built from DATA_DIR")
    args = parser.parse_args()
    started = time.perf_counter()
    raw = scan_csvs(args.data)
    table = pl.read_parquet(args.features) if args.features else build_all(raw)[0]
    labels = raw["application_train"].select(KEY, "TARGET").collect()
    labelled = table.join(labels, on=KEY, how="inner")
    if labelled.height > args.clients:
        labelled = labelled.sample(args.clients, seed=args.seed)
    print(f"built {table.width - 1} features in {time.perf_counter() - started:.0f} s", flush=True)

    spec = FeatureSpec.of(table)
    frame = labelled.drop(KEY, "TARGET").to_pandas()
    target = labelled.get_column("TARGET").to_numpy()
    application_columns = {safe_name(c) for c in APPLICATION.build(raw).columns}
    own = [c for c in spec.columns if c in application_columns]
    own_categorical = [c for c in spec.categorical if c in own]
    base = cv_auc(frame.loc[:, own], target, own_categorical, args.folds, args.seed)
    print(f"application only ({len(own)} columns): AUC {base:.4f}", flush=True)
    full = cv_auc(frame, target, spec.categorical, args.folds, args.seed)
    print(f"full table ({len(spec.columns)} columns): AUC {full:.4f}", flush=True)
    print(
        f"lift: {full - base:+.4f} AUC on {len(frame)} training clients, {args.folds}-fold CV; "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
