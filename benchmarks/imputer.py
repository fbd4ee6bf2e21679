"""Median imputation as scikit-learn does it against ``preprocessing.MedianImputer``.

Usage:
    python benchmarks/imputer.py TRAINING_SET.parquet [--repeats 3]

TRAINING_SET.parquet is the ``training_set`` a ``make pipeline`` run wrote (``DATA_DIR/training/
training_set.parquet``). On its numeric columns, as the linear candidates' preprocessing gets
them, prints the best of ``--repeats`` fits (seconds) of ``SimpleImputer(strategy="median",
keep_empty_features=True)`` and of ``MedianImputer``, and the largest difference between the
medians they find.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer

from credit_assets.models.data import features_of
from credit_assets.models.preprocessing import MedianImputer, numeric_columns


def best_fit(imputer: Any, frame: pd.DataFrame, repeats: int) -> tuple[float, Any]:
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        imputer.fit(frame)
        seconds.append(time.perf_counter() - start)
    return min(seconds), imputer


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("training_set", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    features = features_of(pd.read_parquet(args.training_set))
    numbers = features.loc[:, numeric_columns(features)]
    print(f"{numbers.shape[0]} clients x {numbers.shape[1]} numeric columns")
    reference = SimpleImputer(strategy="median", keep_empty_features=True)
    before, reference = best_fit(reference, numbers, args.repeats)
    after, ours = best_fit(MedianImputer(), numbers, args.repeats)
    gap = float(np.max(np.abs(ours.statistics_ - np.asarray(reference.statistics_))))
    print(f"SimpleImputer fit: {before:.2f} s; MedianImputer fit: {after:.2f} s")
    print(f"largest difference between their medians: {gap:.3g}")


if __name__ == "__main__":
    main()
