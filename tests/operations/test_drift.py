"""Drift statistics on hand-made distributions, with values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from credit_assets.monitoring import drift
from credit_assets.monitoring.drift import MISSING, UNSEEN


@pytest.mark.parametrize(
    ("expected", "actual", "value"),
    [
        ([0.5, 0.5], [0.5, 0.5], 0.0),
        # (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5)
        ([0.5, 0.5], [0.25, 0.75], 0.25 * math.log(2) + 0.25 * math.log(1.5)),
        # 0.1 ln(0.2 / 0.1) + 0 + (-0.1) ln(0.3 / 0.4)
        ([0.1, 0.5, 0.4], [0.2, 0.5, 0.3], 0.1 * math.log(2) - 0.1 * math.log(0.75)),
    ],
)
def test_psi_of_share_vectors(expected: list[float], actual: list[float], value: float) -> None:
    assert drift.psi(np.array(expected), np.array(actual)) == pytest.approx(value, abs=1e-9)


def test_psi_of_an_emptied_bin_is_large_but_finite() -> None:
    value = drift.psi(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    assert 3.0 < value < 10.0


def test_values_on_an_edge_fall_in_the_lower_bin_and_missing_has_its_own() -> None:
    counts = drift.numeric_counts(pd.Series([1.0, 2.0, 3.0, np.nan]), np.array([2.0]))
    assert counts.tolist() == [2, 1, 1]


def test_numeric_psi_uses_reference_quantiles_and_counts_missing() -> None:
    # Reference: 1..8 and two missing -> median edge 4.5, shares (0.4, 0.4, missing 0.2).
    reference = pd.Series([*range(1, 9), np.nan, np.nan], dtype=float, name="x")
    # Current: 1..6 and four missing -> shares (0.4, 0.2, 0.4).
    current = pd.Series([*range(1, 7), *[np.nan] * 4], dtype=float, name="x")
    result = drift.feature_drift(reference, current, bins=2)
    # 0 + (0.2 - 0.4) ln(0.2 / 0.4) + (0.4 - 0.2) ln(0.4 / 0.2) = 0.4 ln 2
    assert result.psi == pytest.approx(0.4 * math.log(2))
    assert result.bins == ("<= 4.5", "> 4.5", MISSING)
    assert result.reference_shares == pytest.approx((0.4, 0.4, 0.2))
    assert (result.reference_missing, result.current_missing) == (0.2, 0.4)
    assert result.kind == "numeric" and result.test == "ks"


def test_categorical_psi_and_chi_square() -> None:
    reference = pd.Series(["a"] * 50 + ["b"] * 50, name="c")
    current = pd.Series(["a"] * 80 + ["b"] * 20, name="c")
    result = drift.feature_drift(reference, current)
    # 0.3 ln(0.8 / 0.5) - 0.3 ln(0.2 / 0.5) = 0.3 ln 4 (empty bins on both sides add nothing)
    assert result.psi == pytest.approx(0.3 * math.log(4), rel=1e-3)
    # Pearson chi-square of [[50, 50], [80, 20]]: expected 65 / 35 per row; sum (O-E)^2/E.
    assert result.statistic == pytest.approx(2 * (15**2 / 65 + 15**2 / 35))
    assert result.kind == "categorical" and result.level == "significant"


def test_unseen_and_missing_categories_are_bins_not_errors() -> None:
    counts = drift.categorical_counts(pd.Series(["a", "c", None, "a"]), ["a", "b"])
    assert counts.tolist() == [2, 0, 1, 1]
    result = drift.feature_drift(pd.Series(["a", "b"] * 10), pd.Series(["a", "c"] * 10))
    assert result.bins == ("a", "b", UNSEEN, MISSING)
    assert result.psi > drift.PSI_SIGNIFICANT


def test_ks_separates_disjoint_samples_and_accepts_identical_ones() -> None:
    assert drift.kolmogorov_smirnov(pd.Series([1.0, 2.0, 3.0]), pd.Series([4.0, 5.0, 6.0]))[
        0
    ] == pytest.approx(1.0)
    same = pd.Series(np.arange(100.0))
    assert drift.kolmogorov_smirnov(same, same) == pytest.approx((0.0, 1.0))
    statistic, p_value = drift.kolmogorov_smirnov(same, pd.Series([np.nan, np.nan]))
    assert math.isnan(statistic) and math.isnan(p_value)


def test_a_shifted_normal_is_significant_and_a_resample_is_stable() -> None:
    rng = np.random.default_rng(0)
    reference = pd.Series(rng.normal(size=5000), name="x")
    resample = drift.feature_drift(reference, pd.Series(rng.normal(size=5000), name="x"))
    shifted = drift.feature_drift(reference, pd.Series(rng.normal(0.8, size=5000), name="x"))
    assert resample.level == "stable" and resample.p_value > 0.01
    assert shifted.level == "significant" and shifted.p_value < 1e-12


def test_features_come_most_important_first_else_by_psi() -> None:
    reference = pd.DataFrame({"a": [1.0, 2.0] * 50, "b": [1.0, 2.0] * 50, "c": ["x", "y"] * 50})
    current = pd.DataFrame({"a": [1.0] * 100, "b": [1.0, 2.0] * 50, "c": ["x"] * 100})
    by_psi = [d.feature for d in drift.compare(reference, current)]
    assert by_psi[-1] == "b"
    ranked = drift.compare(reference, current, importance={"b": 0.7, "c": 0.3})
    assert [d.feature for d in ranked] == ["b", "c", "a"]
    assert ranked[0].importance == 0.7


def test_main_features_by_importance_or_by_name() -> None:
    columns = ["EXT_SOURCE_3", "AMT_CREDIT", "DAYS_BIRTH", "FLAG_X", "B"]
    assert drift.main_features(columns, None) == ["EXT_SOURCE_3", "AMT_CREDIT", "DAYS_BIRTH"]
    importance = {"B": 0.5, "FLAG_X": 0.3, "AMT_CREDIT": 0.0}
    assert drift.main_features(columns, importance, top=1) == ["B"]
    assert drift.main_features(columns, importance) == ["B", "FLAG_X"]
