"""Exact per-feature contributions to a model's raw score, one row at a time or in batches.

For every row, ``base + contributions.sum() == raw score``:

- LightGBM: TreeSHAP values from ``pred_contrib=True`` (raw score in log-odds);
- logistic regression: coefficient x preprocessed value, one-hot columns summed back into the
  field they encode, the intercept as base (raw score in log-odds);
- random forest: the path decomposition of each tree (the change in the node's default share at
  each split, credited to the split's feature), averaged over trees (raw score is P(default));
- dummy: no feature moves the score; the base is the constant prediction.

Each of these measures a feature from its own reference point: the linear one from a client at
every column's training minimum (456 of 698 features then pushed the same way for over 99 % of
clients), the bagged trees from the balanced bags the trees saw, the forest from its root. A
refused client is owed reasons relative to the average applicant, so :func:`background_means`
takes each feature's mean contribution over a sample of training clients once, at training, and
:func:`centred` subtracts it from every row and adds its sum to the base. The sum is unchanged
(exactness holds), the base becomes the average training client's score and each feature's
contributions average zero over the training clients. For the linear model this is exactly
``coefficient x (value - training mean)``, one-hot fields against their category frequencies;
for the trees it is TreeSHAP (or the path decomposition) measured from the population mean.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from numpy.typing import NDArray
from scipy import sparse
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from credit_assets.models.ensemble import ONE_THREAD_ROWS
from credit_assets.models.preprocessing import linear_feature_groups

Contributions = tuple[NDArray[np.float64], NDArray[np.float64]]
BACKGROUND_ROWS = 2_000
"""Training clients the mean contributions are taken over: the sampling error of a mean is then
under 2.5 % of its feature's spread, and the forest's path sums take a few seconds."""


def contributions(
    prep: Any, model: Any, frame: pd.DataFrame, feature_names: list[str]
) -> Contributions:
    """``(base, contributions)``: a base per row and a column per feature; they sum to the score."""
    features = prep.transform(frame)
    if hasattr(model, "contributions"):
        shap = np.asarray(model.contributions(features))
        return shap[:, -1], shap[:, :-1]
    if isinstance(model, LGBMClassifier):
        threads = 1 if len(features) <= ONE_THREAD_ROWS else 0
        shap = np.asarray(model.booster_.predict(features, pred_contrib=True, num_threads=threads))
        return shap[:, -1], shap[:, :-1]
    if isinstance(model, LogisticRegression):
        return _linear(prep, model, np.asarray(features), feature_names)
    if isinstance(model, RandomForestClassifier):
        return _forest(model, features)
    base = model.predict_proba(features)[:, 1]
    return base, np.zeros((len(frame), len(feature_names)))


def _linear(
    prep: Any, model: LogisticRegression, features: NDArray[np.float64], names: list[str]
) -> Contributions:
    groups = linear_feature_groups(prep)
    position = {name: i for i, name in enumerate(names)}
    columns = np.array([position[g] for g in groups])
    grouping = np.zeros((len(groups), len(names)))
    grouping[np.arange(len(groups)), columns] = 1.0
    weighted = features * np.asarray(model.coef_)[0]
    base = np.full(len(features), float(np.asarray(model.intercept_)[0]))
    return base, weighted @ grouping


def _path_sums(tree: Any, n_features: int) -> tuple[sparse.csr_matrix, float]:
    """Node x feature matrix: for each node, the per-feature changes in default share along the
    path from the root to it, and the root's share (the tree's base value).

    Uses ``apply`` rather than ``decision_path`` downstream: in scikit-learn 1.7 the latter does not
    route missing values the way prediction does.
    """
    structure = tree.tree_
    values = np.asarray(structure.value)[:, 0, :]
    share = values[:, 1] / values.sum(axis=1)
    paths: list[dict[int, float]] = [{} for _ in range(structure.node_count)]
    # Children always have larger ids than their parent, so one pass in id order suffices.
    for parent in range(structure.node_count):
        feature = int(structure.feature[parent])
        for child in (structure.children_left[parent], structure.children_right[parent]):
            if child >= 0:
                path = dict(paths[parent])
                path[feature] = path.get(feature, 0.0) + share[child] - share[parent]
                paths[child] = path
    rows = [node for node, path in enumerate(paths) for _ in path]
    cols = [feature for path in paths for feature in path]
    deltas = [delta for path in paths for delta in path.values()]
    shape = (structure.node_count, n_features)
    return sparse.csr_matrix((deltas, (rows, cols)), shape=shape), float(share[0])


def _forest(model: RandomForestClassifier, features: NDArray[np.float64]) -> Contributions:
    n_features = features.shape[1]
    leaves = model.apply(features)
    total = np.zeros((len(features), n_features))
    base = 0.0
    for i, tree in enumerate(model.estimators_):
        paths, root = _path_sums(tree, n_features)
        total += paths[leaves[:, i]].toarray()
        base += root
    trees = len(model.estimators_)
    return np.full(len(features), base / trees), total / trees


def background_means(
    prep: Any,
    model: Any,
    frame: pd.DataFrame,
    feature_names: list[str],
    rows: int = BACKGROUND_ROWS,
    seed: int = 42,
) -> NDArray[np.float64]:
    """Each feature's mean raw contribution over (a sample of ``rows``) clients of ``frame``.

    Raises:
        ValueError: if ``frame`` has no rows.
    """
    if frame.empty:
        raise ValueError("mean contributions need at least one background client, got none")
    sample = frame.sample(rows, random_state=seed) if len(frame) > rows else frame
    _, parts = contributions(prep, model, sample, feature_names)
    return parts.mean(axis=0)


def centred(
    base: NDArray[np.float64], parts: NDArray[np.float64], means: NDArray[np.float64]
) -> Contributions:
    """``(base, contributions)`` measured from the background: ``means`` moved into the base.

    Raises:
        ValueError: if ``means`` does not have one value per contribution column.
    """
    if means.shape != parts.shape[1:]:
        raise ValueError(
            f"{means.shape[0]} mean contributions for {parts.shape[1]} features: the means "
            "belong to another model"
        )
    return base + float(means.sum()), parts - means
