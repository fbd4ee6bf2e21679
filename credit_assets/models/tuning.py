"""Hyperparameter search with Optuna: seeded TPE, median pruning across folds, resumable studies.

A study is stored in SQLite and named after the candidate and the training data's hash, so a
rerun on the same data resumes it (``n_trials`` is the total wanted, not a number to add), while
new data starts a fresh study. Trials maximise the mean out-of-fold AUC; a trial whose running
mean after a fold falls below the median of earlier trials at that fold is pruned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import optuna
import pandas as pd
from optuna.trial import TrialState

from credit_assets.models.candidates import Candidate, Params
from credit_assets.models.data import feature_columns
from credit_assets.models.validation import CrossValidation, cross_validate


@dataclass
class TuningResult:
    """The best hyperparameters, how the search went, and the best trial's cross-validation."""

    params: Params
    best_auc: float
    trials_complete: int
    trials_pruned: int
    seconds: float
    study_name: str
    cv: CrossValidation | None
    """The best trial's cross-validation when it ran in this call (``None`` after a resume)."""


def _finished(study: optuna.Study) -> int:
    states = (TrialState.COMPLETE, TrialState.PRUNED)
    return len(study.get_trials(deepcopy=False, states=states))


def tune(
    candidate: Candidate,
    frame: pd.DataFrame,
    storage: Path,
    study_name: str,
    n_trials: int,
    timeout_seconds: float | None,
    folds: int = 5,
    seed: int = 42,
    n_jobs: int = 2,
) -> TuningResult:
    """Search ``candidate``'s hyperparameters on a labelled training frame.

    Stops after ``n_trials`` finished trials in the study (counting earlier runs) or after
    ``timeout_seconds`` of this call, whichever comes first; at least one trial always runs on an
    empty study.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage.parent.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(
        storage=f"sqlite:///{storage}",
        study_name=study_name,
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(5, n_trials)),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1),
        load_if_exists=True,
    )
    results: dict[int, CrossValidation] = {}

    def objective(trial: optuna.Trial) -> float:
        params = candidate.suggest(trial)

        def report(fold: int, running_auc: float) -> None:
            trial.report(running_auc, fold)
            if trial.should_prune():
                raise optuna.TrialPruned()

        cv = cross_validate(candidate, params, frame, folds, seed, n_jobs, on_fold=report)
        results[trial.number] = cv
        return cv.auc_mean

    if candidate.defaults and not study.trials:
        # The known-good settings go first, so even a one-trial budget yields a sound model.
        study.enqueue_trial(candidate.defaults_for(len(frame), len(feature_columns(frame))))
    start = time.perf_counter()
    remaining = max(n_trials - _finished(study), 0)
    if remaining == 0 and not _has_complete(study):
        remaining = 1
    if remaining:
        study.optimize(objective, n_trials=remaining, timeout=timeout_seconds)
    best = study.best_trial
    pruned = len(study.get_trials(deepcopy=False, states=(TrialState.PRUNED,)))
    return TuningResult(
        params=dict(best.params),
        best_auc=float(best.value or 0.0),
        trials_complete=len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))),
        trials_pruned=pruned,
        seconds=time.perf_counter() - start,
        study_name=study_name,
        cv=results.get(best.number),
    )


def _has_complete(study: optuna.Study) -> bool:
    return bool(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
