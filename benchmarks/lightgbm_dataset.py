"""How much of a LightGBM candidate's fit is building its binned ``Dataset``.

Usage:
    python benchmarks/lightgbm_dataset.py TRAINING_DIR

TRAINING_DIR holds a ``make pipeline`` run's ``training_set.arrow`` (``DATA_DIR/training``).
The LightGBM candidate is built with its first trial's settings for that many clients (its
large-data settings from ``LARGE_DATA_ROWS`` on), its encoder fitted on the training clients,
then prints the seconds of binning the encoded matrix into a LightGBM ``Dataset`` with the
candidate's ``max_bin``, and of the model's whole fit on the same matrix (binning included):
what sharing one ``Dataset`` between the folds could save at most, per fit. Then the training
rows of the first of three CV folds binned three ways: on their own (as each fold's fit did
before they were shared), with the whole split's bins (``reference``), and as a subset of the
whole split's binned ``Dataset`` (as they are now); and what a candidate's three folds and
final fit spend binning either way.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.data import TARGET, features_of


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("training_dir", type=Path)
    args = parser.parse_args()
    train = pd.read_feather(args.training_dir / "training_set.arrow")
    candidate = CANDIDATES["lightgbm"]
    features, y = features_of(train), train[TARGET].to_numpy()
    pipeline = candidate.pipeline(
        candidate.defaults_for(len(train)), features, 42, 1, rows=len(train)
    )
    encoded = pipeline[:-1].fit_transform(features)
    model = pipeline[-1]
    print(f"{type(model).__name__}, {encoded.shape[0]} clients x {encoded.shape[1]} columns")
    start = time.perf_counter()
    params = {"max_bin": model.get_params()["max_bin"], "verbose": -1, "num_threads": 1}
    whole = lgb.Dataset(encoded, y, params=params, free_raw_data=False).construct()
    whole_seconds = time.perf_counter() - start
    print(f"binned Dataset: {whole_seconds:.1f} s")
    # The training rows of the first CV fold, binned three ways.
    splitter = StratifiedKFold(n_splits=3, shuffle=True, random_state=42)
    rows = np.sort(next(splitter.split(encoded, y))[0])
    fold, labels = encoded[rows], y[rows]
    seconds: dict[str, float] = {}
    for way, build in (
        ("its own bins", lambda: lgb.Dataset(fold, labels, params=params)),
        ("the whole split's bins (reference)", lambda: lgb.Dataset(fold, labels, reference=whole)),
        ("a subset of the whole split's Dataset", lambda: whole.subset(rows.tolist())),
    ):
        start = time.perf_counter()
        build().construct()
        seconds[way] = time.perf_counter() - start
        print(f"  a fold's {len(rows)} rows, {way}: {seconds[way]:.1f} s")
    own = 3 * seconds["its own bins"] + whole_seconds
    shared = whole_seconds + 3 * seconds["a subset of the whole split's Dataset"]
    print(
        f"a candidate's binning, three folds and the final fit: {own:.1f} s each on its own"
        f" rows (the previous way), {shared:.1f} s the split binned once and shared (now)"
    )
    start = time.perf_counter()
    model.fit(encoded, y)
    print(f"the model's whole fit: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
