"""Median imputation as scikit-learn does it, as ``MedianImputer`` did it, and as it does now.

Usage:
    python benchmarks/imputer.py TRAINING_SET.arrow [--repeats 3]

TRAINING_SET.arrow is the ``training_set`` a ``make pipeline`` run wrote (``DATA_DIR/training/
training_set.arrow``). On its numeric columns, as the linear candidates' preprocessing gets
them, prints the best of ``--repeats`` ``fit_transform`` calls (seconds) of
``SimpleImputer(strategy="median", keep_empty_features=True)``, of the previous
``MedianImputer`` (a frame-wide row-major conversion, read again to fill) and of
``MedianImputer``, and the largest differences between their medians and their results.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.impute import SimpleImputer

from credit_assets.models.data import features_of
from credit_assets.models.preprocessing import MedianImputer, as_floats, numeric_columns


class RowMajorMedianImputer(MedianImputer):
    """``MedianImputer`` as it was until stop 24: the frame converted row-major, once to fit
    and again to fill, the observed columns copied out for ``np.nanmedian``."""

    def fit(self, X: Any, y: Any = None) -> RowMajorMedianImputer:
        values = as_floats(X)
        self.n_features_in_ = values.shape[1]
        observed = ~np.isnan(values).all(axis=0)
        medians = np.zeros(values.shape[1])
        medians[observed] = np.nanmedian(values[:, observed], axis=0)
        self.statistics_ = medians
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> NDArray[np.float64]:
        return self.fit(X).transform(X)

    def transform(self, X: Any) -> NDArray[np.float64]:
        values = as_floats(X)
        return np.where(np.isnan(values), self.statistics_, values)


def best_fit(imputer: Any, frame: pd.DataFrame, repeats: int) -> tuple[float, Any, Any]:
    seconds, filled = [], None
    for _ in range(repeats):
        filled = None  # the previous result's memory is given back before the next call
        start = time.perf_counter()
        filled = imputer.fit_transform(frame)
        seconds.append(time.perf_counter() - start)
    return min(seconds), imputer, np.asarray(filled, dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("training_set", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    features = features_of(pd.read_feather(args.training_set))
    numbers = features.loc[:, numeric_columns(features)]
    print(f"{numbers.shape[0]} clients x {numbers.shape[1]} numeric columns")
    reference = SimpleImputer(strategy="median", keep_empty_features=True)
    results = {
        "SimpleImputer": best_fit(reference, numbers, args.repeats),
        "previous MedianImputer": best_fit(RowMajorMedianImputer(), numbers, args.repeats),
        "MedianImputer": best_fit(MedianImputer(), numbers, args.repeats),
    }
    for name, (seconds, _, _) in results.items():
        print(f"{name:24s} fit_transform {seconds:6.2f} s")
    _, ours, filled = results["MedianImputer"]
    _, previous, filled_before = results["previous MedianImputer"]
    gap = float(np.max(np.abs(ours.statistics_ - np.asarray(reference.statistics_))))
    print(f"largest difference from SimpleImputer's medians: {gap:.3g}")
    same = np.array_equal(ours.statistics_, previous.statistics_)
    print(f"medians equal to the previous MedianImputer's: {same}")
    print(f"results equal to the previous MedianImputer's: {np.array_equal(filled, filled_before)}")


if __name__ == "__main__":
    main()
