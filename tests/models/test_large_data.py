"""From LARGE_DATA_ROWS training clients on: one LightGBM booster on every client, three folds, a
forest growing each tree on half the rows; below it, nothing changes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from lightgbm import LGBMClassifier
from sklearn.base import clone

from credit_assets.models import candidates, train
from credit_assets.models.calibration import prior_correction
from credit_assets.models.candidates import CANDIDATES, LARGE_DATA_ROWS, fits_every_row
from credit_assets.models.data import dataset_hash, features_of
from credit_assets.models.ensemble import OneBooster, UndersampledBagging
from credit_assets.models.train import TrainingSettings, train_candidate
from credit_assets.models.validation import sampling_pipeline


def test_a_large_split_gets_one_booster_with_no_sampler_in_front(frames: Any) -> None:
    lightgbm, X = CANDIDATES["lightgbm"], features_of(frames.train)
    small = sampling_pipeline(lightgbm, {}, X, seed=1, n_jobs=1)
    assert isinstance(small.named_steps["model"], UndersampledBagging)
    large = lightgbm.pipeline({}, X, seed=1, n_jobs=1, rows=LARGE_DATA_ROWS)
    booster = large.named_steps["model"]
    assert isinstance(booster, OneBooster) and isinstance(booster, LGBMClassifier)
    assert fits_every_row(booster) and booster.get_params()["n_estimators"] == 450
    copy: OneBooster = clone(booster)  # type: ignore[assignment]
    assert copy.get_params() == booster.get_params()
    # The resampling experiment decides the balancing itself, whatever the split's size.
    experiment = lightgbm.pipeline({"bags": 1, "resampling": "undersample"}, X, rows=10**6)
    assert not fits_every_row(experiment.named_steps["model"])


def test_the_forest_grows_each_tree_on_half_the_rows_and_fewer_at_full_scale(
    frames: Any,
) -> None:
    forest, X = CANDIDATES["random_forest"], features_of(frames.train)
    assert forest.pipeline({}, X).named_steps["model"].max_samples == 0.5
    large = forest.pipeline({}, X, rows=LARGE_DATA_ROWS).named_steps["model"]
    assert large.max_samples == 0.15
    # A tuned trial's hyperparameters do not bring the whole rows back.
    tuned = {"max_depth": 10, "min_samples_leaf": 3, "max_features": 0.2}
    assert forest.pipeline(tuned, X, rows=LARGE_DATA_ROWS).named_steps["model"].max_samples == 0.15


@pytest.fixture(scope="module")
def large(frames: Any, tmp_path_factory: pytest.TempPathFactory) -> train.CandidateResult:
    """LightGBM trained as on a large split: the threshold lowered to the small frames' size."""
    patch = pytest.MonkeyPatch()
    rows = len(frames.train)
    patch.setattr(candidates, "LARGE_DATA_ROWS", rows)
    patch.setattr(train, "LARGE_DATA_ROWS", rows)
    settings = TrainingSettings(n_trials=1, timeout_seconds=None, calibration="prior", n_jobs=1)
    storage = tmp_path_factory.mktemp("optuna") / "studies.db"
    try:
        return train_candidate(
            CANDIDATES["lightgbm"],
            frames.train,
            frames.balanced,
            frames.holdout,
            storage,
            settings,
            dataset_hash(frames.train),
        )
    finally:
        patch.undo()


def test_the_large_split_booster_learns_from_every_client_in_three_folds(
    large: train.CandidateResult, frames: Any
) -> None:
    assert isinstance(large.model.model, OneBooster)
    assert large.tuning.study_name.endswith("-3fold-seed42")
    assert large.metrics["train_rows"] == len(frames.train)
    assert large.model.model.n_features_in_ == len(large.model.feature_names)
    assert large.metrics["holdout_auc"] > 0.6


def test_a_booster_fitted_at_the_real_default_rate_needs_no_prior_correction(
    large: train.CandidateResult,
) -> None:
    # Every non-defaulter was kept: the closed-form correction is the identity.
    raw = np.linspace(-3.0, 1.0, 5)
    np.testing.assert_allclose(large.model.calibration(raw), prior_correction(1.0, "log-odds")(raw))
    np.testing.assert_allclose(large.model.calibration(raw), 1 / (1 + np.exp(-raw)))
