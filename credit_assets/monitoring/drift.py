"""Feature drift between a reference population and a current one.

Per feature: the population stability index (PSI) over bins fixed on the reference (quantile
bins for numbers, one bin per category, missing values always their own bin) and a two-sample
test (Kolmogorov-Smirnov on the non-missing numbers, chi-square on the category counts).

PSI reads: below 0.1 stable, 0.1 to 0.2 a moderate shift, above 0.2 a significant one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

PSI_MODERATE = 0.1
PSI_SIGNIFICANT = 0.2
DEFAULT_BINS = 10
EPSILON = 1e-4
"""Floor of a bin's share, so an empty bin gives a large but finite PSI term."""
MISSING = "<missing>"
UNSEEN = "<unseen>"
MAIN_PREFIXES = ("EXT_SOURCE_", "AMT_")
MAIN_NAMES = ("DAYS_BIRTH",)

Kind = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class FeatureDrift:
    """How one feature moved from the reference to the current population."""

    feature: str
    kind: Kind
    psi: float
    test: Literal["ks", "chi2"]
    statistic: float
    p_value: float
    reference_missing: float
    current_missing: float
    importance: float | None = None
    bins: tuple[str, ...] = ()
    reference_shares: tuple[float, ...] = ()
    current_shares: tuple[float, ...] = ()
    """The shares per bin the PSI compares (the report plots them)."""

    @property
    def level(self) -> str:
        """``stable``, ``moderate`` or ``significant`` by the usual PSI reading."""
        if self.psi > PSI_SIGNIFICANT:
            return "significant"
        return "moderate" if self.psi > PSI_MODERATE else "stable"

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON: NaN (a test with an empty side) becomes ``None``."""
        plain = {
            k: None if isinstance(v, float) and math.isnan(v) else v
            for k, v in asdict(self).items()
        }
        return {**plain, "level": self.level}


def psi(expected: NDArray[np.float64], actual: NDArray[np.float64]) -> float:
    """PSI of two share vectors over the same bins: ``sum((a - e) * ln(a / e))``.

    Shares are floored at ``EPSILON`` (and renormalised) so an empty bin stays finite.
    """
    e = np.maximum(np.asarray(expected, dtype=np.float64), EPSILON)
    a = np.maximum(np.asarray(actual, dtype=np.float64), EPSILON)
    e, a = e / e.sum(), a / a.sum()
    return float(np.sum((a - e) * np.log(a / e)))


def quantile_edges(reference: pd.Series, bins: int = DEFAULT_BINS) -> NDArray[np.float64]:
    """The inner bin edges: the reference's quantiles, repeated values merged."""
    values = numbers(reference)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return np.empty(0)
    return np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))


def numeric_counts(values: pd.Series, edges: NDArray[np.float64]) -> NDArray[np.float64]:
    """Counts per bin ``(-inf, e1], (e1, e2], ..., (ek, inf)`` and, last, the missing count."""
    x = numbers(values)
    present = x[~np.isnan(x)]
    counts = np.bincount(np.searchsorted(edges, present, side="left"), minlength=edges.size + 1)
    return np.append(counts, np.isnan(x).sum()).astype(np.float64)


def numbers(values: pd.Series) -> NDArray[np.float64]:
    """The values as floats, anything that is not a number made NaN."""
    return np.asarray(pd.to_numeric(values, errors="coerce"), dtype=np.float64)


def categorical_counts(values: pd.Series, categories: Sequence[str]) -> NDArray[np.float64]:
    """Counts per reference category, then categories never seen in the reference, then
    missing."""
    labels = values.astype("object").where(values.notna(), MISSING).astype(str)
    known = set(categories)
    labels = labels.where(labels.isin(known) | (labels == MISSING), UNSEEN)
    counts = labels.value_counts()
    order = [*categories, UNSEEN, MISSING]
    return counts.reindex(order, fill_value=0).to_numpy(dtype=np.float64)


def is_categorical(series: pd.Series) -> bool:
    """Text, category and boolean columns are compared as categories."""
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def feature_drift(
    reference: pd.Series, current: pd.Series, bins: int = DEFAULT_BINS
) -> FeatureDrift:
    """PSI and the two-sample test of one feature."""
    name = str(reference.name)
    kind: Kind
    test: Literal["ks", "chi2"]
    ref_missing, cur_missing = float(reference.isna().mean()), float(current.isna().mean())
    if is_categorical(reference) or is_categorical(current):
        categories = sorted(reference.dropna().astype(str).unique())
        expected = categorical_counts(reference, categories)
        actual = categorical_counts(current, categories)
        statistic, p_value = chi_square(expected, actual)
        labels = (*categories, UNSEEN, MISSING)
        kind, test = "categorical", "chi2"
    else:
        edges = quantile_edges(reference, bins)
        expected, actual = numeric_counts(reference, edges), numeric_counts(current, edges)
        statistic, p_value = kolmogorov_smirnov(reference, current)
        labels = numeric_labels(edges)
        kind, test = "numeric", "ks"
    e, a = _shares(expected), _shares(actual)
    return FeatureDrift(
        name,
        kind,
        psi(e, a),
        test,
        statistic,
        p_value,
        ref_missing,
        cur_missing,
        bins=labels,
        reference_shares=tuple(float(x) for x in e),
        current_shares=tuple(float(x) for x in a),
    )


def numeric_labels(edges: NDArray[np.float64]) -> tuple[str, ...]:
    """Readable names of the bins of :func:`numeric_counts`."""
    if edges.size == 0:
        return ("all", MISSING)
    text = [f"{e:.4g}" for e in edges]
    inner = [f"({lo}, {hi}]" for lo, hi in pairwise(text)]
    return (f"<= {text[0]}", *inner, f"> {text[-1]}", MISSING)


def kolmogorov_smirnov(reference: pd.Series, current: pd.Series) -> tuple[float, float]:
    """Two-sample KS statistic and p-value on the non-missing values (NaN if a side is empty)."""
    a, b = numbers(reference), numbers(current)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size == 0 or b.size == 0:
        return math.nan, math.nan
    result = stats.ks_2samp(a, b)
    return float(result.statistic), float(result.pvalue)  # type: ignore[attr-defined]


def chi_square(expected: NDArray[np.float64], actual: NDArray[np.float64]) -> tuple[float, float]:
    """Pearson chi-square test of homogeneity (no Yates correction) on two count vectors; bins
    empty on both sides are dropped."""
    table = np.vstack([expected, actual])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 0.0, 1.0
    result = stats.chi2_contingency(table, correction=False)
    return float(result.statistic), float(result.pvalue)  # type: ignore[attr-defined]


def compare(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    importance: Mapping[str, float] | None = None,
    bins: int = DEFAULT_BINS,
    columns: Iterable[str] | None = None,
) -> list[FeatureDrift]:
    """Drift of every feature both frames hold (or of ``columns``), most important first.

    Features are ordered by importance when it is given (unranked ones after, by PSI), else by
    PSI, largest first.
    """
    chosen = [c for c in (columns or reference.columns) if c in current.columns]
    results = [feature_drift(_column(reference, c), _column(current, c), bins) for c in chosen]
    results = [_with_importance(d, importance) for d in results]
    return sorted(results, key=lambda d: (-(d.importance or 0.0), -d.psi, d.feature))


def main_features(
    columns: Iterable[str], importance: Mapping[str, float] | None, top: int = 10
) -> list[str]:
    """The features whose drift matters most: the ``top`` by importance (positive only), or
    EXT_SOURCE_*, DAYS_BIRTH and AMT_* when no importance is known."""
    available = list(columns)
    if importance:
        ranked = sorted(
            (c for c in available if importance.get(c, 0.0) > 0), key=lambda c: -importance[c]
        )
        if ranked:
            return ranked[:top]
    return [c for c in available if c.startswith(MAIN_PREFIXES) or c in MAIN_NAMES]


def drifted(results: Iterable[FeatureDrift], features: Iterable[str]) -> list[FeatureDrift]:
    """The given features whose PSI is above ``PSI_SIGNIFICANT``."""
    wanted = set(features)
    return [d for d in results if d.feature in wanted and d.psi > PSI_SIGNIFICANT]


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return cast(pd.Series, frame[name])


def _shares(counts: NDArray[np.float64]) -> NDArray[np.float64]:
    total = counts.sum()
    return counts / total if total else counts


def _with_importance(drift: FeatureDrift, importance: Mapping[str, float] | None) -> FeatureDrift:
    if not importance or drift.feature not in importance:
        return drift
    return FeatureDrift(**{**asdict(drift), "importance": float(importance[drift.feature])})
