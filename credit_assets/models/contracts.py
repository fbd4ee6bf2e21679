"""Data contracts of the training frames, as plain functions the asset checks call."""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_assets.models.data import TARGET


def default_rate_gap(train: pd.DataFrame, holdout: pd.DataFrame) -> float:
    """Absolute difference of the default rates of two frames (0 for a stratified split)."""
    return abs(float(train[TARGET].mean()) - float(holdout[TARGET].mean()))


def shared_clients(a: pd.DataFrame, b: pd.DataFrame) -> int:
    """How many clients (index values) two frames have in common."""
    return int(np.intersect1d(a.index.to_numpy(), b.index.to_numpy()).size)
