"""The known clients as the population a client is compared with.

- every known client's value of a feature (the rows the service scores them from);
- similar clients: the nearest neighbours on the main application features, each feature taken
  as its percentile among all clients (amounts are skewed, percentiles compare), a missing
  value as the median;
- a sample of a few thousand clients with their probabilities of default, computed once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

MAIN_FEATURES = (
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    "CNT_FAM_MEMBERS",
)
"""What makes two applicants alike: amounts, age, employment, external scores, family."""

Scores = Callable[[pd.DataFrame], NDArray[np.float64]]


class Population:
    """All known clients' feature rows, their neighbourhoods and a scored sample."""

    def __init__(
        self,
        features: pd.DataFrame,
        score: Scores,
        sample_size: int = 3_000,
        neighbours: int = 200,
        seed: int = 0,
    ) -> None:
        self.features = features
        self.score = score
        self.sample_size = min(sample_size, len(features))
        self.neighbours = min(neighbours, max(len(features) - 1, 1))
        self.seed = seed
        self.main = [c for c in MAIN_FEATURES if _numeric(features, c)]

    def values(self, feature: str) -> NDArray[np.float64]:
        """Every known client's value of ``feature`` (missing as NaN)."""
        return self.features[feature].to_numpy(dtype=np.float64, na_value=np.nan)

    def similar(self, row: pd.Series) -> NDArray[np.intp]:
        """Positions of the clients nearest to ``row`` on the main features (never itself)."""
        query = np.array([self._percentile(c, row.get(c)) for c in self.main])
        distances = np.sqrt(((self._percentiles - query) ** 2).sum(axis=1))
        if row.name in self.features.index:
            distances[self.features.index.get_loc(row.name)] = np.inf
        return np.argsort(distances, kind="stable")[: self.neighbours]

    @cached_property
    def sample(self) -> pd.DataFrame:
        """A fixed random sample of the known clients."""
        return self.features.sample(self.sample_size, random_state=self.seed)

    @cached_property
    def sample_scores(self) -> NDArray[np.float64]:
        """The sample's probabilities of default, computed on first use and kept."""
        return np.asarray(self.score(self.sample), dtype=np.float64)

    def numeric_features(self, ranked: Sequence[str], top: int = 60) -> list[str]:
        """The main features, then the ``top`` numeric features of ``ranked`` (importance)."""
        chosen = [*self.main]
        for feature in ranked:
            if len(chosen) >= top + len(self.main):
                break
            if feature not in chosen and _numeric(self.features, feature):
                chosen.append(feature)
        return chosen

    @cached_property
    def _sorted(self) -> dict[str, NDArray[np.float64]]:
        ordered = {}
        for column in self.main:
            values = self.values(column)
            ordered[column] = np.sort(values[~np.isnan(values)])
        return ordered

    @cached_property
    def _percentiles(self) -> NDArray[np.float64]:
        columns = [self._percentile_all(c) for c in self.main]
        return np.column_stack(columns) if columns else np.zeros((len(self.features), 0))

    def _percentile_all(self, column: str) -> NDArray[np.float64]:
        ordered, values = self._sorted[column], self.values(column)
        ranks = np.searchsorted(ordered, values, side="right") / max(len(ordered), 1)
        return np.where(np.isnan(values), 0.5, ranks)

    def _percentile(self, column: str, value: object) -> float:
        number, ordered = number_or_none(value), self._sorted[column]
        if number is None or len(ordered) == 0:
            return 0.5
        return float(np.searchsorted(ordered, number, side="right") / len(ordered))


def number_or_none(value: Any) -> float | None:
    """``value`` as a float, or ``None`` when it is missing or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


def _numeric(features: pd.DataFrame, column: str) -> bool:
    return column in features.columns and pd.api.types.is_numeric_dtype(features[column])
