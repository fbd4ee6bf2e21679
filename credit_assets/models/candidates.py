"""The candidate models: how each is built from hyperparameters and what Optuna may try.

Every candidate is a scikit-learn pipeline ``prep -> model`` taking the feature frame; the
undersampler is added in front of it for cross-validation (see ``validation.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from credit_assets.models.data import feature_columns
from credit_assets.models.ensemble import (
    OneBooster,
    UndersampledBagging,
    UndersampledLogisticRegression,
)
from credit_assets.models.preprocessing import linear_preprocessor, tree_preprocessor
from credit_assets.models.scorecard import Scorecard, frame_passthrough
from credit_assets.models.scores import RawSpace

if TYPE_CHECKING:
    import optuna

Params = dict[str, Any]
LARGE_DATA_ROWS = 100_000
"""From this many training clients on, a candidate's first trial may use more capacity (at full
scale a tuning budget sized for the demo runs little more than that first trial)."""
WIDE_DATA_COLUMNS = 400
"""From this many feature columns on (the client table with the credit history has 739, the
application alone 141), a candidate's ``wide_data`` settings apply on top of its large-data ones."""
ClassWeight = Literal["balanced"] | None


@dataclass(frozen=True)
class Candidate:
    """A model family: its search space, its builder and the space its raw score lives in."""

    name: str
    title: str
    raw_space: RawSpace
    suggest: Callable[[optuna.Trial], Params]
    build: Callable[[Params, pd.DataFrame, int, int, ClassWeight], Any]
    defaults: Params = field(default_factory=dict)
    """Hyperparameters that work out of the box: Optuna's first trial, the fallback."""
    tunable: bool = True
    large_data: Params = field(default_factory=dict)
    """What changes in the first trial from ``LARGE_DATA_ROWS`` training clients on."""
    wide_data: Params = field(default_factory=dict)
    """What changes further when those clients also have ``WIDE_DATA_COLUMNS`` features or more."""
    prep: Callable[[pd.DataFrame], Any] | None = None
    """The preprocessor's builder, when not the default for the family."""

    def defaults_for(self, rows: int, columns: int = 0) -> Params:
        """The first trial's hyperparameters for a training split of ``rows`` clients with
        ``columns`` features."""
        if rows < LARGE_DATA_ROWS:
            return self.defaults
        wide = self.wide_data if columns >= WIDE_DATA_COLUMNS else {}
        return self.defaults | self.large_data | wide

    def pipeline(
        self,
        params: Params,
        frame: pd.DataFrame,
        seed: int = 42,
        n_jobs: int = 2,
        class_weight: ClassWeight = None,
        rows: int | None = None,
    ) -> Pipeline:
        """An unfitted ``prep -> model`` pipeline for these hyperparameters.

        ``rows``: the training clients the candidate learns from (default: ``frame``'s rows);
        from ``LARGE_DATA_ROWS`` on, what ``large_data`` sets and ``params`` does not holds.
        """
        prep = linear_preprocessor(frame) if self.name == "logistic_regression" else None
        if self.prep is not None:
            prep = self.prep(frame)
        clients = len(frame) if rows is None else rows
        settings = self.defaults_for(clients, len(feature_columns(frame))) | params
        model = self.build(settings, frame, seed, n_jobs, class_weight)
        return Pipeline([("prep", prep or tree_preprocessor()), ("model", model)])


def undersamples_itself(model: Any) -> bool:
    """Whether a model balances its own training rows (bagging over balanced subsets)."""
    return bool(getattr(model, "undersamples", False))


def fits_every_row(model: Any) -> bool:
    """Whether a model is fitted on every training client: it balances its own rows, or it
    learns from the classes as they come. No sampler goes in front of it and its final fit gets
    the whole training split, not the balanced set."""
    return undersamples_itself(model) or bool(getattr(model, "no_resampling", False))


def _no_params(trial: optuna.Trial) -> Params:
    return {}


def _dummy(params: Params, frame: pd.DataFrame, seed: int, n_jobs: int, cw: ClassWeight) -> Any:
    return DummyClassifier(strategy="prior")


def _suggest_logreg(trial: optuna.Trial) -> Params:
    # Above C = 1 lbfgs needs many more iterations on hundreds of columns, for no better AUC.
    return {"C": trial.suggest_float("C", 1e-4, 1.0, log=True)}


def _logreg(params: Params, frame: pd.DataFrame, seed: int, n_jobs: int, cw: ClassWeight) -> Any:
    bags = int(params.get("bags", 1))
    if bags > 1 and cw is None:
        return UndersampledLogisticRegression(bags=bags, seed=seed, C=params["C"], max_iter=500)
    return LogisticRegression(C=params["C"], max_iter=500, class_weight=cw)


def _suggest_forest(trial: optuna.Trial) -> Params:
    return {
        "max_depth": trial.suggest_int("max_depth", 6, 16),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 50, log=True),
        "max_features": trial.suggest_float("max_features", 0.03, 0.3, log=True),
    }


def _forest(params: Params, frame: pd.DataFrame, seed: int, n_jobs: int, cw: ClassWeight) -> Any:
    return RandomForestClassifier(
        n_estimators=100,
        max_depth=params["max_depth"],
        min_samples_leaf=params["min_samples_leaf"],
        max_features=params["max_features"],
        max_samples=params.get("max_samples"),
        class_weight=cw,
        n_jobs=n_jobs,
        random_state=seed,
    )


def _suggest_lightgbm(trial: optuna.Trial) -> Params:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 800, step=50),
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.1, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 3, 31, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 20, 300, log=True),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.1, 0.6),
        "subsample": trial.suggest_float("subsample", 0.6, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 30.0, log=True),
    }


LOGREG_DEFAULTS: Params = {"C": 0.05, "bags": 5}
# Each tree grown on half the rows (of a balanced fold), at every size. On the demo data, five
# folds: OOF AUC 0.7597 vs 0.7594, holdout 0.7502 vs 0.7472, in 38 s vs 64 s for the candidate
# (benchmarks/candidate_settings.py DATA_DIR/training random_forest max_samples=null);
# on the first of five folds of the generator's 307,511 clients, AUC 0.7593 vs 0.7588 in 90 s vs
# 145 s a fit, encoder and sampler included, one thread (benchmarks/large_data.py).
FOREST_DEFAULTS: Params = {
    "max_depth": 12,
    "min_samples_leaf": 5,
    "max_features": 0.1,
    "max_samples": 0.5,
}
# At full scale each tree on a quarter of the rows: on the generator's 307,511 clients (seed 0,
# three folds, two candidates at once as the pipeline runs them) the candidate took 178 s instead
# of 300 s, for an OOF AUC of 0.7602 vs 0.7608 and a holdout AUC of 0.7612 vs 0.7623
# (benchmarks/candidate_settings.py DATA_DIR/training random_forest max_samples=0.25 --folds 3).
# The forest is the weakest tree challenger there (LightGBM 0.7718 OOF), and it was the second
# longest step of the pipeline's critical path. Then 0.15: the candidate in 107 s instead of
# 162 s, OOF AUC 0.7596 vs 0.7602, holdout AUC 0.7605 vs 0.7612, cross-fitted cost 0.5209 vs
# 0.5212 (benchmarks/candidate_settings.py DATA_DIR/training random_forest max_samples=0.15
# --folds 3, on its own); it chooses no champion at either.
FOREST_LARGE_DATA: Params = {"max_samples": 0.15}
# Shallow, regularised trees: a balanced set of a few thousand clients and hundreds of
# features overfits deeper ones (measured on the demo data: CV AUC 0.7675 vs 0.763 at 15 leaves).
LIGHTGBM_DEFAULTS: Params = {
    "n_estimators": 300,
    "learning_rate": 0.035,
    "num_leaves": 4,
    "min_child_samples": 100,
    "colsample_bytree": 0.3,
    "subsample": 0.8,
    "reg_lambda": 10.0,
    "bags": 5,
}
# With ten times the clients the shallow demo trees underfit: holdout AUC 0.7800 -> 0.7852 on the
# generator's 307,511 clients with twice the trees, 8 leaves and a faster rate (53 s vs 33 s a fit).
# And one booster on every client ranks at least as well as five on balanced bags: on the first
# of five folds of those clients, AUC 0.7687 vs 0.7677 in 142 s vs 128 s a fit with one thread, as
# the pipeline's steps run (benchmarks/large_data.py). It scores a fifth of the trees and, with
# three folds instead of five, is fitted four times, not six. 450 trees, not 600: on the first
# of the three CV folds of the seed-0 full-scale data (benchmarks/lightgbm_trees.py), validation
# AUC 0.77526 at 400 trees, 0.77533 at 500, 0.77526 at 600 with every client feature; 0.75377,
# 0.75368 and 0.75348 on the application's alone (0.75386 at 300). A quarter of the trees to fit,
# score and explain for no loss; the holdout chose nothing.
LIGHTGBM_LARGE_DATA: Params = {
    "n_estimators": 450,
    "learning_rate": 0.05,
    "num_leaves": 8,
    "bags": 1,
    "resampling": "none",
}
# On the 739 columns of the client table with its credit history, each tree drawn from 15 % of
# them, not 30 %: on the full-scale data (seed 0, three folds, benchmarks/candidate_settings.py
# DATA_DIR/training lightgbm colsample_bytree=X --folds 3) the candidate took 233 s instead of
# 308 s, OOF AUC 0.77219 vs 0.77210, holdout AUC 0.77404 vs 0.77360. A tree's columns are copied
# out of LightGBM's multi-value bins for each tree (py-spy: 27 % of the candidate at 30 %): fewer
# columns, less copying and fewer histograms. 20 %: 0.77216 / 0.77389; 10 %: 192 s but a lower
# holdout AUC (0.77307). On the application's 141 columns 20 % lowered the OOF AUC (0.74806 vs
# 0.74815) and 10 % too (0.74809): they keep 30 %.
LIGHTGBM_WIDE_DATA: Params = {"colsample_bytree": 0.15}


def _lightgbm(params: Params, frame: pd.DataFrame, seed: int, n_jobs: int, cw: ClassWeight) -> Any:
    settings = dict(params)
    bags = int(settings.pop("bags", 1))
    # Column-wise histograms and 63 bins: the same trees on a few thousand balanced rows with
    # hundreds of features, fitted 2.7 times faster (measured on the demo data, one thread).
    common: dict[str, Any] = {
        "subsample_freq": 1,
        "max_bin": 63,
        "force_col_wise": True,
        "n_jobs": n_jobs,
        "verbose": -1,
    }
    resampling = settings.pop("resampling", "undersample")
    settings = common | settings  # a setting given (a benchmark's variant) wins over the common
    if bags > 1 and cw is None:
        return UndersampledBagging(bags=bags, seed=seed, **settings)
    if resampling == "none" and cw is None:
        return OneBooster(**settings, random_state=seed)
    return LGBMClassifier(**settings, class_weight=cw, random_state=seed)


def _suggest_scorecard(trial: optuna.Trial) -> Params:
    return {
        "C": trial.suggest_float("C", 1e-3, 1.0, log=True),
        "max_n_bins": trial.suggest_int("max_n_bins", 3, 8),
        "min_bin_size": trial.suggest_float("min_bin_size", 0.02, 0.1, log=True),
        "n_features": trial.suggest_int("n_features", 10, 40),
    }


# On the demo data (3,924 balanced clients, 737 columns): holdout AUC 0.7534 (logistic regression
# 0.7573), 5 s a fit, 20 features on the card.
SCORECARD_DEFAULTS: Params = {"C": 0.1, "max_n_bins": 6, "min_bin_size": 0.05, "n_features": 30}


def _scorecard(params: Params, frame: pd.DataFrame, seed: int, n_jobs: int, cw: ClassWeight) -> Any:
    return Scorecard(**params, class_weight=cw)


CANDIDATES: Mapping[str, Candidate] = {
    c.name: c
    for c in (
        Candidate("dummy", "Dummy (prior)", "probability", _no_params, _dummy, tunable=False),
        Candidate(
            "logistic_regression",
            "Logistic regression",
            "log-odds",
            _suggest_logreg,
            _logreg,
            LOGREG_DEFAULTS,
        ),
        Candidate(
            "random_forest",
            "Random forest",
            "probability",
            _suggest_forest,
            _forest,
            FOREST_DEFAULTS,
            large_data=FOREST_LARGE_DATA,
        ),
        Candidate(
            "lightgbm",
            "LightGBM",
            "log-odds",
            _suggest_lightgbm,
            _lightgbm,
            LIGHTGBM_DEFAULTS,
            large_data=LIGHTGBM_LARGE_DATA,
            wide_data=LIGHTGBM_WIDE_DATA,
        ),
        Candidate(
            "scorecard",
            "Points scorecard",
            "log-odds",
            _suggest_scorecard,
            _scorecard,
            SCORECARD_DEFAULTS,
            prep=frame_passthrough,
        ),
    )
}
