"""Data contracts of the training frames, as plain functions the asset checks call."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from credit_assets.models.data import TARGET, features_of


def single_feature_aucs(frame: pd.DataFrame, max_rows: int = 20_000, seed: int = 0) -> pd.Series:
    """For each numeric feature alone, ``max(AUC, 1 - AUC)`` against TARGET (missing as median).

    A feature that separates defaulters almost perfectly on its own is a leak, not a signal.
    Computed on at most ``max_rows`` random rows to stay cheap on the full data.
    """
    sample = frame.sample(min(len(frame), max_rows), random_state=seed)
    y = sample[TARGET].to_numpy()
    aucs = {}
    for column in features_of(sample).columns:
        values = sample[column]
        if not pd.api.types.is_numeric_dtype(values) or values.nunique() < 2:
            continue
        filled = values.astype(float).fillna(values.astype(float).median()).to_numpy()
        auc = float(roc_auc_score(y, filled))
        aucs[column] = max(auc, 1.0 - auc)
    return pd.Series(aucs, dtype=float).sort_values(ascending=False)


def default_rate_gap(train: pd.DataFrame, holdout: pd.DataFrame) -> float:
    """Absolute difference of the default rates of two frames (0 for a stratified split)."""
    return abs(float(train[TARGET].mean()) - float(holdout[TARGET].mean()))


def shared_clients(a: pd.DataFrame, b: pd.DataFrame) -> int:
    """How many clients (index values) two frames have in common."""
    return int(np.intersect1d(a.index.to_numpy(), b.index.to_numpy()).size)
