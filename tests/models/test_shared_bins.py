"""A training split binned once for the LightGBM booster: its final fit is the fit from scratch,
its folds train on their own rows of the bins, and nothing else uses them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from credit_assets.models.candidates import CANDIDATES, LARGE_DATA_ROWS
from credit_assets.models.data import TARGET, features_of
from credit_assets.models.ensemble import OneBooster
from credit_assets.models.scores import raw_scores
from credit_assets.models.shared_bins import SharedBins
from credit_assets.models.validation import cross_validate, sampling_pipeline


def _booster(X: Any, seed: int = 42, **params: Any) -> Any:
    return CANDIDATES["lightgbm"].pipeline(params, X, seed=seed, n_jobs=1, rows=LARGE_DATA_ROWS)


def _scores(pipeline: Any, X: Any) -> np.ndarray:
    return np.asarray(raw_scores(pipeline.named_steps["prep"], pipeline.named_steps["model"], X))


def test_the_final_fit_on_shared_bins_is_the_fit_from_scratch(frames: Any) -> None:
    X, y = features_of(frames.train), frames.train[TARGET].to_numpy()
    bins = SharedBins.of(_booster(X), X, y)
    assert bins is not None
    shared = bins.fit(_booster(X), y)
    scratch = _booster(X).fit(X, y)
    holdout = features_of(frames.holdout)
    np.testing.assert_allclose(_scores(shared, holdout), _scores(scratch, holdout), atol=1e-12)
    assert isinstance(shared.named_steps["model"], OneBooster)


def test_a_fold_trains_on_its_own_rows_of_the_bins(frames: Any) -> None:
    X, y = features_of(frames.train), frames.train[TARGET].to_numpy()
    bins = SharedBins.of(_booster(X), X, y)
    assert bins is not None
    rows, valid = next(StratifiedKFold(3, shuffle=True, random_state=42).split(X, y))
    fold = _booster(X, seed=43)
    assert bins.suits(fold) and not bins.suits(fold, final=True)
    bins.fit(fold, y, rows)
    own = _booster(X, seed=43).fit(X.iloc[rows], y[rows])
    shared_auc = roc_auc_score(y[valid], _scores(fold, X.iloc[valid]))
    own_auc = roc_auc_score(y[valid], _scores(own, X.iloc[valid]))
    # Only the bin edges differ (the whole split's values instead of the fold's).
    assert shared_auc > 0.6 and abs(shared_auc - own_auc) < 0.03
    with pytest.raises(ValueError, match="labels differ"):
        _booster(X).named_steps["model"].fit(
            bins.matrix[rows], 1 - y[rows], binned=bins.dataset.subset(rows.tolist())
        )


def test_only_a_booster_with_the_same_binning_uses_the_bins(frames: Any) -> None:
    X, y = features_of(frames.train), frames.train[TARGET].to_numpy()
    forest = CANDIDATES["random_forest"].pipeline({}, X, rows=LARGE_DATA_ROWS)
    assert SharedBins.of(forest, X, y) is None
    small = sampling_pipeline(CANDIDATES["lightgbm"], {}, X, seed=42, n_jobs=1)
    assert SharedBins.of(small, X, y) is None, "balanced bags bin their own rows"
    bins = SharedBins.of(_booster(X), X, y)
    assert bins is not None and not bins.suits(_booster(X, min_child_samples=20))
    assert not bins.suits(forest)


def test_cross_validation_of_a_booster_shares_its_bins(frames: Any) -> None:
    lightgbm = CANDIDATES["lightgbm"]
    large = lightgbm.defaults_for(LARGE_DATA_ROWS)
    cv = cross_validate(lightgbm, large, frames.train, folds=3, seed=42, n_jobs=1)
    assert cv.bins is not None and cv.bins.seconds > 0
    assert cv.fit_seconds >= cv.bins.seconds and cv.auc_mean > 0.6
    assert not np.isnan(cv.oof).any()
    plain = cross_validate(CANDIDATES["logistic_regression"], {"C": 0.05}, frames.train, 3, 42, 1)
    assert plain.bins is None


def test_a_fold_on_the_bins_scores_its_encoded_rows_as_its_pipeline_scores_the_frame(
    frames: Any,
) -> None:
    X, y = features_of(frames.train), frames.train[TARGET].to_numpy()
    bins = SharedBins.of(_booster(X), X, y)
    assert bins is not None
    rows, valid = next(StratifiedKFold(3, shuffle=True, random_state=42).split(X, y))
    fold = bins.fit(_booster(X, seed=43), y, rows)
    np.testing.assert_array_equal(bins.raw_scores(fold, valid), _scores(fold, X.iloc[valid]))
    with pytest.raises(ValueError, match="not fitted on these bins"):
        bins.raw_scores(_booster(X).fit(X, y), valid)
