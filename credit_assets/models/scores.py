"""A fitted model's own score, the number calibration and explanations work on.

Kept apart from the candidates' search spaces so that serving imports neither Optuna nor
imbalanced-learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from numpy.typing import NDArray
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression

RawSpace = Literal["log-odds", "probability"]


def raw_scores(prep: Any, model: Any, frame: pd.DataFrame) -> Any:
    """The model's own score for each row: log-odds of default, or P(default) for the others.

    Log-odds come straight from the model (LightGBM's raw score, the linear decision function),
    so the calibration and the explanations work on the exact same number.
    """
    features = prep.transform(frame)
    if hasattr(model, "raw_score"):
        return model.raw_score(features)
    if isinstance(model, LGBMClassifier):
        # The booster itself: the scikit-learn wrapper's checks cost more than one row's trees.
        threads = 1 if len(features) <= 256 else 0
        return model.booster_.predict(features, raw_score=True, num_threads=threads)
    if isinstance(model, LogisticRegression):
        return model.decision_function(features)
    return model.predict_proba(features)[:, 1]


@dataclass(frozen=True)
class LinearShortcut:
    """The fitted logistic-regression pipeline folded into one weight per input column.

    Median imputation, MinMax scaling and the coefficients fold into ``w . x + b`` on the numeric
    columns, and each one-hot block into a coefficient per category, so scoring a few rows needs
    no scikit-learn machinery. It returns exactly the pipeline's decision function.
    """

    numeric: list[str]
    medians: NDArray[np.float64]
    weights: NDArray[np.float64]
    bias: float
    categories: dict[str, dict[str, float]]

    @classmethod
    def of(cls, prep: ColumnTransformer, model: LogisticRegression) -> LinearShortcut:
        coef = np.asarray(model.coef_)[0]
        bias = float(np.asarray(model.intercept_)[0])
        numeric: list[str] = []
        medians = weights = np.zeros(0)
        categories: dict[str, dict[str, float]] = {}
        offset = 0
        for name, transformer, columns in prep.transformers_:
            if name == "num":
                imputer, scaler = (
                    transformer.named_steps["impute"],
                    transformer.named_steps["scale"],
                )
                block = coef[offset : offset + len(columns)]
                numeric, medians = list(columns), np.asarray(imputer.statistics_, dtype=float)
                weights = block * scaler.scale_
                bias += float(block @ scaler.min_)
                offset += len(columns)
            elif name == "cat":
                encoder = transformer.named_steps["onehot"]
                for column, values in zip(columns, encoder.categories_, strict=True):
                    block = coef[offset : offset + len(values)]
                    categories[column] = {
                        str(v): float(c) for v, c in zip(values, block, strict=True)
                    }
                    offset += len(values)
        return cls(numeric, medians, weights, bias, categories)

    def __call__(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        values = frame[self.numeric].to_numpy(dtype=object)
        numbers = np.where(pd.isna(values), np.nan, values).astype(np.float64)
        numbers = np.where(np.isnan(numbers), self.medians, numbers)
        score = numbers @ self.weights + self.bias
        for column, coefficients in self.categories.items():
            texts = frame[column].to_numpy(dtype=object)
            score += [coefficients.get("missing" if pd.isna(v) else str(v), 0.0) for v in texts]
        return score
