"""The validation figures on small inline data with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from credit_assets.models import fairness
from credit_assets.models.intervals import bootstrap_auc, wilson
from credit_assets.models.validation_report import (
    costs_around,
    decile_groups,
    deciles,
    hosmer_lemeshow,
    ks_statistic,
)


def calibrated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores and labels drawn from those scores: calibrated by construction."""
    rng = np.random.default_rng(seed)
    p = rng.beta(1, 9, n)
    return (rng.random(n) < p).astype(int), p


def test_hosmer_lemeshow_accepts_calibrated_scores_and_rejects_miscalibrated_ones() -> None:
    y, p = calibrated(20_000, seed=1)
    good = hosmer_lemeshow(y, p)
    assert good["dof"] == 8 and good["p_value"] > 0.05
    doubled = hosmer_lemeshow(y, np.clip(2 * p, 0, 1))
    assert doubled["p_value"] < 1e-6 and doubled["statistic"] > good["statistic"]


def test_ks_is_one_on_separable_scores_and_zero_on_constant_ones() -> None:
    y = np.array([0, 0, 0, 1, 1])
    assert ks_statistic(y, [0.1, 0.2, 0.3, 0.8, 0.9]) == 1.0
    assert ks_statistic(y, [0.5] * 5) == 0.0


@pytest.mark.parametrize("n", [10, 23, 1_001])
def test_deciles_hold_every_client_once_with_the_labels_mean(n: int) -> None:
    y, p = calibrated(n, seed=n)
    table = deciles(y, p)
    assert [d["decile"] for d in table] == list(range(1, 11))
    assert sum(d["clients"] for d in table) == n
    assert max(d["clients"] for d in table) - min(d["clients"] for d in table) <= 1
    labels = decile_groups(p)
    for d in table:
        assert d["observed_rate"] == pytest.approx(y[labels == d["decile"]].mean())
        assert d["observed_rate_ci"][0] <= d["observed_rate"] <= d["observed_rate_ci"][1]
    means = [d["mean_predicted"] for d in table]
    assert means == sorted(means)


def test_deciles_need_ten_clients() -> None:
    with pytest.raises(ValueError, match="cannot fill 10 score groups"):
        deciles([0, 1], [0.1, 0.2])


def test_bootstrap_auc_matches_sklearn_covers_it_and_is_seeded() -> None:
    rng = np.random.default_rng(3)
    y = (rng.random(2_000) < 0.1).astype(int)
    scores = np.round(rng.random(2_000) + 0.4 * y, 2)  # rounded: ties count half
    interval = bootstrap_auc(y, scores, resamples=300, seed=0)
    assert interval.estimate == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
    assert interval.low < interval.estimate < interval.high
    assert interval == bootstrap_auc(y, scores, resamples=300, seed=0)
    assert interval.high - interval.low < 0.1


def test_bootstrap_auc_rejects_a_single_class() -> None:
    with pytest.raises(ValueError, match="both defaulters and good clients"):
        bootstrap_auc([0, 0, 0], [0.1, 0.2, 0.3])


def test_wilson_interval_known_values() -> None:
    low, high = wilson([0, 5, 0], [10, 10, 0])
    assert low[0] == 0.0 and high[0] == pytest.approx(0.2775, abs=1e-4)
    assert (low[1], high[1]) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert (low[2], high[2]) == (0.0, 1.0)  # no trials: uninformative
    with pytest.raises(ValueError, match="between 0 and the number of trials"):
        wilson([4], [3])


def test_cost_around_the_threshold_counts_missed_defaults_ten_times() -> None:
    y = np.array([1, 0, 0, 0])
    p = np.array([0.05, 0.2, 0.3, 0.01])
    rows = {r["relative"]: r for r in costs_around(y, p, threshold=0.1)}
    # At 0.1: the defaulter (0.05) is accepted, two good clients are refused.
    assert rows[1.0]["cost"] == pytest.approx((10 * 1 + 2) / 4)
    assert (rows[1.0]["missed_defaults"], rows[1.0]["wrongly_refused"]) == (1, 2)
    # At 0.05 (half): everyone but the 0.01 client is refused; nothing is missed.
    assert rows[0.5]["cost"] == pytest.approx(2 / 4) and rows[0.5]["approval_rate"] == 0.25


RAW = pd.DataFrame(
    {
        "SK_ID_CURR": [1, 2, 3, 4, 5],
        "CODE_GENDER": ["F", "M", "F", None, "M"],
        "DAYS_BIRTH": [-9_000, -20_000, -15_000, -12_000, -30_000],
        "NAME_FAMILY_STATUS": ["Married", "Single / not married", "Married", "Married", None],
    }
)


def test_group_labels_join_on_the_key_and_name_missing_values() -> None:
    labels = fairness.group_labels(RAW, pd.Index([5, 1, 4], name="SK_ID_CURR"))
    assert labels.loc[5].tolist() == ["M", "60+", "missing"]
    assert labels.loc[1].tolist() == ["F", "<30", "Married"]
    assert labels.loc[4, "CODE_GENDER"] == "missing"


def test_group_labels_refuse_an_unknown_client_or_a_missing_column() -> None:
    with pytest.raises(ValueError, match="1 client"):
        fairness.group_labels(RAW, pd.Index([1, 99]))
    with pytest.raises(ValueError, match="CODE_GENDER"):
        fairness.group_labels(RAW.drop(columns="CODE_GENDER"), pd.Index([1]))


def test_small_groups_are_kept_and_flagged_and_counts_sum_to_the_clients() -> None:
    rng = np.random.default_rng(4)
    n = 1_000
    gender = np.where(np.arange(n) < 950, "F", "M")  # M: 50 clients, too small
    y = (rng.random(n) < 0.3).astype(int)
    proba = np.where(gender == "F", rng.random(n) * 0.5, rng.random(n))
    labels = pd.DataFrame({"CODE_GENDER": gender})
    rows = {
        r["group"]: r for r in fairness.fairness(y, proba, 0.4, labels)["groupings"]["CODE_GENDER"]
    }
    assert set(rows) == {"F", "M"}
    assert rows["M"]["flag"] == fairness.TOO_SMALL and not rows["M"]["judged"]
    assert rows["F"]["judged"] and rows["F"]["approval_ratio_to_most_approved"] == 1.0
    assert rows["F"]["clients"] + rows["M"]["clients"] == n
    f = rows["F"]
    refused = proba[gender == "F"] >= 0.4
    assert f["approval_rate"] == pytest.approx(1 - refused.mean())
    assert f["false_negative_rate"] == pytest.approx(np.mean(~refused[y[gender == "F"] == 1]))
    assert (
        f["false_negative_rate_ci"][0] <= f["false_negative_rate"] <= f["false_negative_rate_ci"][1]
    )
    # M is approved less, but too small to judge: never flagged as adverse impact.
    assert not rows["M"]["below_four_fifths"]
