"""Exact per-feature contributions to a model's raw score, one row at a time or in batches.

For every row, ``base + contributions.sum() == raw score``:

- LightGBM: TreeSHAP values from ``pred_contrib=True`` (raw score in log-odds);
- logistic regression: coefficient x preprocessed value, one-hot columns summed back into the
  field they encode, the intercept as base (raw score in log-odds);
- random forest: the path decomposition of each tree (the change in the node's default share at
  each split, credited to the split's feature), averaged over trees (raw score is P(default));
- dummy: no feature moves the score; the base is the constant prediction.
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

from credit_assets.models.preprocessing import linear_feature_groups

Contributions = tuple[NDArray[np.float64], NDArray[np.float64]]


def contributions(
    prep: Any, model: Any, frame: pd.DataFrame, feature_names: list[str]
) -> Contributions:
    """``(base, contributions)``: a base per row and a column per feature; they sum to the score."""
    features = prep.transform(frame)
    if hasattr(model, "contributions"):
        shap = np.asarray(model.contributions(features))
        return shap[:, -1], shap[:, :-1]
    if isinstance(model, LGBMClassifier):
        shap = np.asarray(model.booster_.predict(features, pred_contrib=True, num_threads=1))
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
