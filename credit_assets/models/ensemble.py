"""Undersampled bagging: several models, each on its own balanced subset.

One balanced subset keeps every defaulter and a random twelfth of the others, so one model sees
few good clients. Each bag here draws a different subset (imbalanced-learn's undersampler) from
the rows it is fitted on, and the ensemble's raw score is the mean of the bags' log-odds: every
bag is still trained on balanced data, together they see most good clients, and TreeSHAP
contributions stay exact (the mean of each bag's). Bag 0 uses the same draw as the balanced
training set when given the same seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import lightgbm as lgb
import numpy as np
from lightgbm import LGBMClassifier
from numpy.typing import NDArray
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression

ONE_THREAD_ROWS = 256
"""Up to this many rows a booster scores or explains on one thread (a served request, where
threads cost more than they save); a larger batch uses every core."""


def balanced_bags(y: NDArray[Any], bags: int, seed: int) -> list[NDArray[np.intp]]:
    """The sorted row indices of ``bags`` balanced undersamples (imbalanced-learn's sampler,
    seeds ``seed``, ``seed + 1``, ...): every defaulter, a different draw of the others."""
    # Imported here: a fitted ensemble scores without imbalanced-learn installed.
    from imblearn.under_sampling import RandomUnderSampler

    rows = np.arange(len(y)).reshape(-1, 1)
    draws = []
    for bag in range(bags):
        sampler = RandomUnderSampler(random_state=seed + bag)
        sampler.fit_resample(rows, y)
        draws.append(np.sort(sampler.sample_indices_))
    return draws


def _rows(X: Any, kept: NDArray[np.intp]) -> Any:
    """Rows ``kept`` of an array, a sparse matrix or a data frame."""
    return X.iloc[kept] if hasattr(X, "iloc") else X[kept]


class UndersampledBagging(ClassifierMixin, BaseEstimator):
    """``bags`` LightGBM classifiers, each fitted on a balanced undersample of the rows given."""

    undersamples = True
    """It balances its own training rows: no sampler goes in front of it."""

    def __init__(self, bags: int = 5, seed: int = 42, **lightgbm: Any) -> None:
        self.bags = bags
        self.seed = seed
        self.lightgbm = lightgbm

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"bags": self.bags, "seed": self.seed, **self.lightgbm}

    def set_params(self, **params: Any) -> UndersampledBagging:
        for key in ("bags", "seed"):
            if key in params:
                setattr(self, key, params.pop(key))
        self.lightgbm = {**self.lightgbm, **params}
        return self

    def fit(self, X: NDArray[np.float64], y: NDArray[Any]) -> UndersampledBagging:
        self.models_: list[LGBMClassifier] = []
        self.bag_rows_: list[int] = []
        self.bag_defaulters_: list[int] = []
        for bag, kept in enumerate(balanced_bags(y, self.bags, self.seed)):
            self.bag_rows_.append(len(kept))
            self.bag_defaulters_.append(int(np.sum(y[kept] == 1)))
            model = LGBMClassifier(**self.lightgbm, random_state=self.seed + bag)
            self.models_.append(model.fit(_rows(X, kept), y[kept]))
        self.classes_ = self.models_[0].classes_
        return self

    def raw_score(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Mean log-odds of the bags."""
        threads = 1 if len(X) <= ONE_THREAD_ROWS else 0
        scores = [
            np.asarray(m.booster_.predict(X, raw_score=True, num_threads=threads))
            for m in self.models_
        ]
        return np.mean(scores, axis=0)

    def contributions(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Mean TreeSHAP values of the bags (last column: the base value)."""
        threads = 1 if len(X) <= ONE_THREAD_ROWS else 0
        parts = [
            np.asarray(m.booster_.predict(X, pred_contrib=True, num_threads=threads))
            for m in self.models_
        ]
        return np.mean(parts, axis=0)

    def predict_proba(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        p = expit(self.raw_score(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: NDArray[np.float64]) -> NDArray[Any]:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    @property
    def feature_importances_(self) -> NDArray[np.float64]:
        """Split gain summed over bags."""
        gains = [m.booster_.feature_importance(importance_type="gain") for m in self.models_]
        return np.sum(gains, axis=0)


class OneBooster(LGBMClassifier):
    """One LightGBM classifier fitted on every row given, the classes as they come.

    From ``LARGE_DATA_ROWS`` training clients on, one booster on every client ranks at least as
    well as five on balanced bags (on the generator's 307,511 clients: see
    ``LIGHTGBM_LARGE_DATA``) with a fifth of the trees to score; calibration maps its scores,
    learnt at the real default rate, to probabilities as for any other candidate.
    """

    no_resampling = True
    """It learns from the rows as they come: no sampler goes in front of it."""

    def fit(  # type: ignore[override]
        self, X: Any, y: Any, binned: lgb.Dataset | None = None, **kwargs: Any
    ) -> OneBooster:
        """LightGBM's fit; ``binned``: the same rows already binned (``shared_bins``), which
        it trains on instead of binning ``X`` again.

        Raises:
            ValueError: if ``binned`` does not hold ``y``'s labels, in order.
        """
        if binned is None:
            super().fit(X, y, **kwargs)
            return self
        labels = np.asarray(binned.construct().get_label(), dtype=np.float64)
        if not np.array_equal(labels, np.asarray(y, dtype=np.float64)):
            raise ValueError("the binned rows are not the rows given: their labels differ")
        with _trained_on(binned):
            super().fit(X, y, **kwargs)
        return self

    def dataset_params(self) -> dict[str, Any]:
        """The LightGBM parameters its fit bins the rows with (and trains with)."""
        fresh: OneBooster = clone(self)  # type: ignore[assignment]
        return fresh._process_params(stage="fit")


@contextmanager
def _trained_on(binned: lgb.Dataset) -> Iterator[None]:
    """LightGBM's scikit-learn fit, handed ``binned`` where it would bin its rows itself (its
    ``Dataset`` factory, for the duration of one fit; the steps run one fit at a time)."""
    import lightgbm.sklearn as api

    factory = api.Dataset  # pyright: ignore[reportPrivateImportUsage]

    def prebuilt(**_: Any) -> lgb.Dataset:
        return binned

    api.Dataset = prebuilt  # type: ignore[misc]  # pyright: ignore[reportPrivateImportUsage]
    try:
        yield
    finally:
        api.Dataset = factory  # type: ignore[misc]  # pyright: ignore[reportPrivateImportUsage]


class UndersampledLogisticRegression(LogisticRegression):
    """Logistic regressions fitted on ``bags`` balanced undersamples, merged into one.

    The mean of linear log-odds is itself linear: the fitted model is an ordinary logistic
    regression whose coefficients and intercept are the bags' means, so scoring, the linear
    shortcut and the exact contributions work on it unchanged. On the demo data five bags
    raised the holdout AUC from 0.7538 to 0.7573 (C = 0.05), one bag seeing a twelfth of the
    good clients.
    """

    undersamples = True
    """It balances its own training rows: no sampler goes in front of it."""

    def __init__(
        self,
        bags: int = 5,
        seed: int = 42,
        C: float = 1.0,
        max_iter: int = 500,
        class_weight: Any = None,
    ) -> None:
        super().__init__(C=C, max_iter=max_iter, class_weight=class_weight)
        self.bags = bags
        self.seed = seed

    def fit(  # type: ignore[override]
        self, X: NDArray[np.float64], y: NDArray[Any]
    ) -> UndersampledLogisticRegression:
        y = np.asarray(y)
        draws = balanced_bags(y, self.bags, self.seed)
        fits = [
            LogisticRegression(
                C=self.C, max_iter=self.max_iter, class_weight=self.class_weight
            ).fit(_rows(X, kept), y[kept])
            for kept in draws
        ]
        self.classes_ = fits[0].classes_
        self.coef_ = np.mean([m.coef_ for m in fits], axis=0)
        self.intercept_ = np.mean([m.intercept_ for m in fits], axis=0)
        self.n_iter_ = np.max([m.n_iter_ for m in fits], axis=0)
        self.n_features_in_ = fits[0].n_features_in_
        self.bag_rows_ = [len(kept) for kept in draws]
        return self
