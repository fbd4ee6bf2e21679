"""A fitted model's own score, the number calibration and explanations work on.

Kept apart from the candidates' search spaces so that serving imports neither Optuna nor
imbalanced-learn.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from numpy.typing import NDArray
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression

from credit_assets.models.ensemble import ONE_THREAD_ROWS
from credit_assets.models.preprocessing import as_floats

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
        threads = 1 if len(features) <= ONE_THREAD_ROWS else 0
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
    shifts: NDArray[np.float64]
    """Each numeric column's constant term, coefficient x scaler minimum (summed into ``bias``)."""
    intercept: float
    categories: dict[str, dict[str, float]]

    @property
    def bias(self) -> float:
        return self.intercept + float(self.shifts.sum())

    @classmethod
    def of(cls, prep: ColumnTransformer, model: LogisticRegression) -> LinearShortcut:
        coef = np.asarray(model.coef_)[0]
        intercept = float(np.asarray(model.intercept_)[0])
        numeric: list[str] = []
        medians = weights = shifts = np.zeros(0)
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
                shifts = block * scaler.min_
                offset += len(columns)
            elif name == "cat":
                encoder = transformer.named_steps["onehot"]
                for column, values in zip(columns, encoder.categories_, strict=True):
                    block = coef[offset : offset + len(values)]
                    categories[column] = {
                        str(v): float(c) for v, c in zip(values, block, strict=True)
                    }
                    offset += len(values)
        return cls(numeric, medians, weights, shifts, intercept, categories)

    def _columns(self, frame: pd.DataFrame) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Positions of the numeric and the categorical columns in ``frame``."""
        return _positions(tuple(frame.columns), tuple(self.numeric), tuple(self.categories))

    def _numbers(self, frame: pd.DataFrame, at: NDArray[np.intp]) -> NDArray[np.float64]:
        numbers = as_floats(frame.iloc[:, at])
        return np.where(np.isnan(numbers), self.medians, numbers)

    def _category_terms(self, frame: pd.DataFrame, at: NDArray[np.intp]) -> NDArray[np.float64]:
        """Each row's coefficient of its category, one column per categorical field."""
        texts = frame.iloc[:, at].to_numpy(dtype=object)
        terms = np.zeros(texts.shape)
        for j, coefficients in enumerate(self.categories.values()):
            terms[:, j] = [
                coefficients.get("missing" if pd.isna(v) else str(v), 0.0) for v in texts[:, j]
            ]
        return terms

    def __call__(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        numeric, categorical = self._columns(frame)
        score = self._numbers(frame, numeric) @ self.weights + self.bias
        return score + self._category_terms(frame, categorical).sum(axis=1)

    def contributions(
        self, frame: pd.DataFrame, names: list[str]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(base, contributions)`` as :func:`explain.contributions` gives them for the pipeline
        (coefficient x preprocessed value, a one-hot field's columns summed, the intercept as
        base), without the column transformer: one column per name, zero for unused ones."""
        numeric, categorical = self._columns(frame)
        parts = np.zeros((len(frame), len(names)))
        into_numeric, into_categorical = _positions(
            tuple(names), tuple(self.numeric), tuple(self.categories)
        )
        parts[:, into_numeric] = self._numbers(frame, numeric) * self.weights + self.shifts
        parts[:, into_categorical] = self._category_terms(frame, categorical)
        return np.full(len(frame), self.intercept), parts


@functools.lru_cache(maxsize=8)
def _positions(
    columns: tuple[str, ...], numeric: tuple[str, ...], categorical: tuple[str, ...]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Where the ``numeric`` and ``categorical`` names sit in ``columns`` (raises ``KeyError``)."""
    at = {name: i for i, name in enumerate(columns)}
    return (
        np.array([at[c] for c in numeric], dtype=np.intp),
        np.array([at[c] for c in categorical], dtype=np.intp),
    )
