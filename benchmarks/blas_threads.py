"""A candidate's fit with NumPy's BLAS on one thread and on every core, beside a busy core.

Usage:
    python benchmarks/blas_threads.py TRAINING_DIR [--candidate logistic_regression]

TRAINING_DIR holds a ``make pipeline`` run's ``training_set.arrow`` (``DATA_DIR/training``).
The pipeline runs two candidates at once on the two cores; a spinning process stands in for the
other one here. The candidate (its first trial's settings for that many clients) is fitted on the
training rows of the first of three CV folds, as its cross-validation does, once with the BLAS
and OpenMP pools limited to one thread (what ``train_candidate`` now sets) and once as they come
(as many threads as cores); the seconds of each fit and its validation AUC are printed side by
side. Then the same without the busy process.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_info, threadpool_limits

from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.data import TARGET, features_of
from credit_assets.models.scores import raw_scores
from credit_assets.models.validation import sampling_pipeline


def _spin() -> None:
    while True:
        pass


@contextmanager
def busy_core(busy: bool) -> Any:
    """A process spinning on one core while the block runs (or nothing)."""
    if not busy:
        yield
        return
    spinner = multiprocessing.Process(target=_spin, daemon=True)
    spinner.start()
    try:
        yield
    finally:
        spinner.terminate()
        spinner.join()


def fit_once(name: str, X: pd.DataFrame, y: np.ndarray, one_thread: bool) -> tuple[float, float]:
    """Seconds of the first fold's fit and its validation AUC."""
    candidate = CANDIDATES[name]
    fit_rows, valid_rows = next(StratifiedKFold(3, shuffle=True, random_state=42).split(X, y))
    pipeline = sampling_pipeline(candidate, candidate.defaults_for(len(X)), X, 42, 1)
    rows = X.iloc[fit_rows]
    with threadpool_limits(limits=1) if one_thread else nullcontext():
        start = time.perf_counter()
        pipeline.fit(rows, y[fit_rows])
        seconds = time.perf_counter() - start
    scores = raw_scores(
        pipeline.named_steps["prep"], pipeline.named_steps["model"], X.iloc[valid_rows]
    )
    return seconds, float(roc_auc_score(y[valid_rows], scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("training_dir", type=Path)
    parser.add_argument("--candidate", default="logistic_regression", choices=sorted(CANDIDATES))
    args = parser.parse_args()
    train = pd.read_feather(args.training_dir / "training_set.arrow")
    X, y = features_of(train), train[TARGET].to_numpy()
    pools = ", ".join(f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info())
    print(f"{args.candidate}: {len(X):,} training clients, {X.shape[1]} columns;")
    print(f"{os.cpu_count()} cores; thread pools as they come: {pools}")
    print(f"{'beside':<14} {'BLAS threads':<14} {'fit s':>8} {'AUC':>9}")
    for busy in (True, False):
        for one_thread in (True, False):
            with busy_core(busy):
                seconds, auc = fit_once(args.candidate, X, y, one_thread)
            threads = "1" if one_thread else "as they come"
            beside = "a busy core" if busy else "nothing"
            print(f"{beside:<14} {threads:<14} {seconds:>8.1f} {auc:>9.5f}", flush=True)


if __name__ == "__main__":
    main()
