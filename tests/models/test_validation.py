"""Cross-validation: the undersampler sees training folds only; out-of-fold scores are honest."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from imblearn.under_sampling import RandomUnderSampler
from sklearn.model_selection import StratifiedKFold

from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.data import TARGET, features_of
from credit_assets.models.validation import cross_validate


class SpySampler(RandomUnderSampler):
    """An undersampler that records which clients it was given."""

    seen: ClassVar[list[set[int]]] = []

    def fit_resample(self, X: Any, y: Any, **params: Any) -> Any:
        SpySampler.seen.append(set(X.index))
        return super().fit_resample(X, y, **params)


def spy(seed: int) -> SpySampler:
    return SpySampler(random_state=seed)


def test_the_sampler_never_sees_a_validation_client(frames: Any) -> None:
    train: pd.DataFrame = frames.train
    SpySampler.seen.clear()
    # One bag: the pipeline's sampler does the undersampling (a bagging model draws its own).
    logreg, params = CANDIDATES["logistic_regression"], {"bags": 1}
    cv = cross_validate(logreg, params, train, folds=5, seed=11, sampler=spy)
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=11)
    folds = list(splitter.split(features_of(train), train[TARGET]))
    assert len(SpySampler.seen) == 5
    for seen, (train_idx, valid_idx) in zip(SpySampler.seen, folds, strict=True):
        assert seen == set(train.index[train_idx])
        assert not seen & set(train.index[valid_idx])
    assert not np.isnan(cv.oof).any()


def test_out_of_fold_scores_cover_every_client_once_with_real_balance(frames: Any) -> None:
    train: pd.DataFrame = frames.train
    # A few dozen defaulters per fold: leaves of 100 clients (the default) could not split.
    params = {"n_estimators": 50, "min_child_samples": 10}
    cv = cross_validate(CANDIDATES["lightgbm"], params, train, folds=3, seed=1)
    assert cv.oof.shape == (len(train),) and not np.isnan(cv.oof).any()
    assert len(cv.fold_aucs) == 3 and 0.5 < cv.auc_mean < 1.0


def test_class_weights_without_sampler_train_on_every_row(frames: Any) -> None:
    SpySampler.seen.clear()
    cv = cross_validate(
        CANDIDATES["lightgbm"],
        {"n_estimators": 30},
        frames.train,
        folds=3,
        sampler=None,
        class_weight="balanced",
    )
    assert SpySampler.seen == [] and cv.auc_mean > 0.5


def test_a_bagging_model_balances_its_own_training_fold_without_the_pipeline_sampler(
    frames: Any,
) -> None:
    SpySampler.seen.clear()
    params = {"n_estimators": 30, "bags": 3, "min_child_samples": 10}
    cv = cross_validate(CANDIDATES["lightgbm"], params, frames.train, folds=3, sampler=spy)
    assert SpySampler.seen == [] and not np.isnan(cv.oof).any() and cv.auc_mean > 0.5
