"""Optuna tuning: a stored study resumes instead of starting over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd

from credit_assets.models.candidates import CANDIDATES, LARGE_DATA_ROWS, WIDE_DATA_COLUMNS
from credit_assets.models.tuning import tune


def test_a_study_resumes_and_counts_earlier_trials(frames: Any, tmp_path: Path) -> None:
    storage = tmp_path / "studies.db"
    candidate = CANDIDATES["logistic_regression"]
    first = tune(candidate, frames.train, storage, "lr", n_trials=2, timeout_seconds=None, folds=3)
    assert first.trials_complete + first.trials_pruned == 2 and first.cv is not None
    again = tune(candidate, frames.train, storage, "lr", n_trials=2, timeout_seconds=None, folds=3)
    assert again.trials_complete + again.trials_pruned == 2
    assert again.params == first.params and again.cv is None
    more = tune(candidate, frames.train, storage, "lr", n_trials=3, timeout_seconds=None, folds=3)
    study = optuna.load_study(study_name="lr", storage=f"sqlite:///{storage}")
    assert len(study.trials) == 3
    assert more.best_auc >= first.best_auc
    assert 1e-4 <= float(more.params["C"]) <= 10.0


def test_the_first_trial_is_the_defaults_sized_for_the_training_split(
    frames: Any, tmp_path: Path
) -> None:
    lightgbm = CANDIDATES["lightgbm"]
    small, large = (
        lightgbm.defaults_for(LARGE_DATA_ROWS - 1),
        lightgbm.defaults_for(LARGE_DATA_ROWS),
    )
    assert small == lightgbm.defaults
    assert large["num_leaves"] > small["num_leaves"]
    assert large["n_estimators"] > small["n_estimators"]
    assert CANDIDATES["logistic_regression"].defaults_for(10**6) == {"C": 0.05, "bags": 5}
    # Many clients with many features: each tree samples fewer of them (not so on few clients).
    wide = lightgbm.defaults_for(LARGE_DATA_ROWS, WIDE_DATA_COLUMNS)
    assert wide["colsample_bytree"] < large["colsample_bytree"]
    assert lightgbm.defaults_for(LARGE_DATA_ROWS - 1, WIDE_DATA_COLUMNS) == lightgbm.defaults
    assert lightgbm.defaults_for(LARGE_DATA_ROWS, WIDE_DATA_COLUMNS - 1) == large
    wide_frame = pd.DataFrame(np.zeros((3, WIDE_DATA_COLUMNS))).add_prefix("F")
    built = lightgbm.pipeline({}, wide_frame, rows=LARGE_DATA_ROWS).named_steps["model"]
    assert built.colsample_bytree == wide["colsample_bytree"]
    storage = tmp_path / "studies.db"
    tuned = tune(
        CANDIDATES["logistic_regression"], frames.train, storage, "first", 1, None, folds=3
    )
    assert tuned.params == {"C": 0.05}  # Optuna stores only the searched hyperparameters
