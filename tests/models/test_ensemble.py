"""Undersampled bagging: balanced bags, averaged log-odds, exact averaged contributions."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from credit_assets.models.ensemble import UndersampledBagging


def data(n: int = 3_000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4))
    y = (rng.random(n) < 1 / (1 + np.exp(3 - X[:, 0]))).astype(int)
    return X, y


def test_each_bag_is_fitted_on_its_own_balanced_subset() -> None:
    X, y = data()
    model = UndersampledBagging(bags=3, n_estimators=20, verbose=-1).fit(X, y)
    assert len(model.models_) == 3
    assert model.bag_rows_ == [2 * int(y.sum())] * 3
    assert model.bag_defaulters_ == [int(y.sum())] * 3
    predictions = [np.asarray(m.booster_.predict(X, raw_score=True)) for m in model.models_]
    assert not np.allclose(predictions[0], predictions[1])


def test_scores_and_contributions_are_the_bags_means() -> None:
    X, y = data()
    model = UndersampledBagging(bags=2, n_estimators=20, verbose=-1).fit(X, y)
    raw = model.raw_score(X[:50])
    shap = model.contributions(X[:50])
    np.testing.assert_allclose(shap.sum(axis=1), raw, atol=1e-9)
    np.testing.assert_allclose(model.predict_proba(X[:50])[:, 1], 1 / (1 + np.exp(-raw)))


def test_it_clones_with_its_lightgbm_settings() -> None:
    model = UndersampledBagging(bags=4, seed=3, num_leaves=7)
    copy: UndersampledBagging = clone(model)  # type: ignore[assignment]
    assert copy.get_params() == {"bags": 4, "seed": 3, "num_leaves": 7}
