"""Optuna tuning: a stored study resumes instead of starting over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna

from credit_assets.models.candidates import CANDIDATES
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
