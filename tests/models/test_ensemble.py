"""Undersampled bagging: balanced bags, averaged log-odds, exact averaged contributions; the
logistic regression's bags merged into one linear model."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from credit_assets.models.candidates import CANDIDATES, undersamples_itself
from credit_assets.models.ensemble import (
    UndersampledBagging,
    UndersampledLogisticRegression,
    balanced_bags,
)
from credit_assets.models.validation import sampling_pipeline


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


def test_logistic_bags_merge_into_one_linear_model() -> None:
    X, y = data()
    model = UndersampledLogisticRegression(bags=3, seed=7, C=0.5).fit(X, y)
    draws = balanced_bags(y, 3, 7)
    assert model.bag_rows_ == [2 * int(y.sum())] * 3
    assert len({tuple(d) for d in draws}) == 3  # three different draws of the good clients
    fits = [LogisticRegression(C=0.5, max_iter=500).fit(X[d], y[d]) for d in draws]
    log_odds = np.mean([m.decision_function(X) for m in fits], axis=0)
    np.testing.assert_allclose(model.decision_function(X), log_odds, atol=1e-9)
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], 1 / (1 + np.exp(-log_odds)))
    # An ordinary logistic regression to everything downstream (linear shortcut, contributions).
    assert isinstance(model, LogisticRegression) and model.coef_.shape == (1, 4)


def test_logistic_bagging_clones_and_gets_no_sampler_in_front() -> None:
    copy: UndersampledLogisticRegression = clone(  # type: ignore[assignment]
        UndersampledLogisticRegression(bags=4, seed=3, C=0.2)
    )
    params = copy.get_params()
    assert (params["bags"], params["seed"], params["C"]) == (4, 3, 0.2)
    frame = pd.DataFrame({"A": [1.0, 2.0], "B": ["x", "y"]})
    candidate = CANDIDATES["logistic_regression"]
    pipeline = sampling_pipeline(candidate, {"C": 0.1}, frame, seed=1, n_jobs=1)
    assert undersamples_itself(pipeline.named_steps["model"])
    assert "sample" not in pipeline.named_steps
    single = sampling_pipeline(candidate, {"C": 0.1, "bags": 1}, frame, seed=1, n_jobs=1)
    assert "sample" in single.named_steps


def test_logistic_bagging_takes_rows_of_a_frame_as_of_an_array() -> None:
    X, y = data()
    frame = pd.DataFrame(X, columns=pd.Index(list("abcd")))
    on_array = UndersampledLogisticRegression(bags=2, seed=1).fit(X, y)
    on_frame = UndersampledLogisticRegression(bags=2, seed=1).fit(frame, y)  # type: ignore[arg-type]
    np.testing.assert_allclose(on_frame.coef_, on_array.coef_)
