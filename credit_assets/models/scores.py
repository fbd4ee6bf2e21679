"""A fitted model's own score, the number calibration and explanations work on.

Kept apart from the candidates' search spaces so that serving imports neither Optuna nor
imbalanced-learn.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.linear_model import LogisticRegression

RawSpace = Literal["log-odds", "probability"]


def raw_scores(prep: Any, model: Any, frame: pd.DataFrame) -> Any:
    """The model's own score for each row: log-odds of default, or P(default) for the others.

    Log-odds come straight from the model (LightGBM's raw score, the linear decision function),
    so the calibration and the explanations work on the exact same number.
    """
    features = prep.transform(frame)
    if isinstance(model, LGBMClassifier):
        # The booster itself: the scikit-learn wrapper's checks cost more than one row's trees.
        threads = 1 if len(features) <= 256 else 0
        return model.booster_.predict(features, raw_score=True, num_threads=threads)
    if isinstance(model, LogisticRegression):
        return model.decision_function(features)
    return model.predict_proba(features)[:, 1]
