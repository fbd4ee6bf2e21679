"""The points scorecard: monotonic bins, missing and unseen values, points scaling, exact
explanations from the average, a served artefact free of optbinning, and end-to-end training."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from scipy.special import logit
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from credit_assets.models.binning import MISSING, UNSEEN, quick_iv
from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.data import TARGET, dataset_hash, features_of
from credit_assets.models.scorecard import (
    PDO,
    Scorecard,
    client_points,
    points_lost,
    points_scale,
    points_table,
)
from credit_assets.models.train import TrainingSettings, train_candidate


def synthetic(rows: int = 4_000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Default risk falling with ``score``, rising with ``debt``, set by ``housing``; noise besides;
    ``CODE_GENDER`` made one of the most informative columns."""
    rng = np.random.default_rng(seed)
    score = rng.uniform(0, 1, rows)
    debt = rng.exponential(1.0, rows)
    housing = rng.choice(["owner", "renter", "parents"], rows)
    gender = rng.choice(["F", "M"], rows)
    log_odds = -0.5 - 5.0 * score + 0.8 * debt + (housing == "renter") * 0.7 + (gender == "M") * 3.0
    y = (rng.uniform(size=rows) < 1 / (1 + np.exp(-log_odds))).astype(int)
    debt[rng.uniform(size=rows) < 0.1] = np.nan
    housing = pd.Series(housing).where(rng.uniform(size=rows) >= 0.1, None)
    frame = pd.DataFrame(
        {
            "score": score,
            "debt": debt,
            "housing": housing,
            "CODE_GENDER": gender,
            "noise": rng.normal(size=rows),
        }
    )
    return frame, y


@pytest.fixture(scope="module")
def fitted() -> tuple[Scorecard, pd.DataFrame, np.ndarray]:
    frame, y = synthetic()
    return Scorecard(n_features=10, min_iv=0.01).fit(frame, y), frame, y


def test_the_quick_screen_ranks_informative_columns_first() -> None:
    frame, y = synthetic()
    iv = quick_iv(frame, y)
    assert iv["CODE_GENDER"] > iv["debt"]
    assert iv["score"] > iv["debt"] > iv["noise"]
    assert iv["housing"] > iv["noise"]


def test_monotone_signals_get_monotone_bins_and_gender_is_never_on_the_card(
    fitted: Any,
) -> None:
    card, _, _ = fitted
    assert "CODE_GENDER" not in card.features_
    assert {"score", "debt", "housing"} <= set(card.features_)
    bins = {b.feature: b for b in card.bins_}
    score_woe = bins["score"].woe[: len(bins["score"].splits) + 1]
    debt_woe = bins["debt"].woe[: len(bins["debt"].splits) + 1]
    assert len(score_woe) >= 3 and np.all(np.diff(score_woe) > 0)  # higher score, better risk
    assert len(debt_woe) >= 3 and np.all(np.diff(debt_woe) < 0)  # more debt, worse risk
    assert np.all(card.coef_ < 0)  # WoE is positive for good risk: the log-odds of default fall


def test_missing_values_absent_columns_and_unseen_categories_get_their_own_bins(
    fitted: Any,
) -> None:
    card, frame, _ = fitted
    bins = {b.feature: b for b in card.bins_}
    row = frame.iloc[[0]].copy()
    row["debt"], row["housing"] = np.nan, "houseboat"
    assert bins["debt"].labels[bins["debt"].index(row["debt"])[0]] == MISSING
    assert bins["housing"].labels[bins["housing"].index(row["housing"])[0]] == UNSEEN
    assert bins["housing"].transform(row["housing"])[0] == 0.0  # unseen: the average risk
    missing_housing = bins["housing"].index(pd.Series([None, np.nan]))
    assert [bins["housing"].labels[i] for i in missing_housing] == [MISSING, MISSING]
    without = row.drop(columns=["debt"])
    np.testing.assert_allclose(card.raw_score(without), card.raw_score(row))
    assert 0.0 < card.predict_proba(row)[0, 1] < 1.0


def test_pdo_points_more_double_the_odds_of_repaying(fitted: Any) -> None:
    card, frame, _ = fitted
    rows = frame.iloc[:200]
    factor, offset = points_scale()
    for slope, intercept in ((1.0, 0.0), (0.7, -1.9)):
        points = card.points(rows, slope, intercept)
        log_odds = slope * card.raw_score(rows) + intercept
        # total = offset + factor * ln(odds of repaying): PDO more points, twice the odds.
        np.testing.assert_allclose(points["total"], offset - factor * log_odds)
        odds = np.exp(-log_odds)
        gap = (points["total"].to_numpy() - points["total"].iloc[0]) / PDO
        np.testing.assert_allclose(odds / odds[0], 2.0**gap)
        assert list(points.columns) == [*card.features_, "total"]


def test_the_card_lists_every_bin_with_its_points(fitted: Any) -> None:
    card, frame, _ = fitted
    table = card.card()
    assert list(table.columns) == ["feature", "bin", "clients", "default_rate", "woe", "points"]
    assert table["feature"].unique().tolist() == card.features_
    assert table["clients"].sum() == len(frame) * len(card.features_)
    row = frame.iloc[[3]]
    points = card.points(row)
    for feature in card.features_:
        on_card = table.loc[table["feature"] == feature, "points"]
        assert np.isclose(on_card, points[feature].iloc[0]).sum() >= 1


def test_points_lost_are_measured_from_each_features_best_bin(fitted: Any) -> None:
    card, frame, _ = fitted
    rows = frame.iloc[:300]
    lost, points = card.points_lost(rows), card.points(rows)
    table = card.card()
    best = table.groupby("feature")["points"].max()
    for feature in card.features_:
        np.testing.assert_allclose(lost[feature], best[feature] - points[feature])
    assert (lost.to_numpy() >= -1e-9).all() and (lost.min() < 1e-9).all()
    riskiest = int(np.argmax(card.raw_score(rows)))
    safest = int(np.argmin(card.raw_score(rows)))
    assert lost.iloc[riskiest].sum() > lost.iloc[safest].sum()


def test_contributions_sum_to_the_score_and_average_zero_over_the_training_clients(
    fitted: Any,
) -> None:
    card, frame, _ = fitted
    parts = card.contributions(frame)
    assert parts.shape == (len(frame), frame.shape[1] + 1)
    np.testing.assert_allclose(parts.sum(axis=1), card.raw_score(frame))
    np.testing.assert_allclose(parts[:, :-1].mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(parts[:, -1], card.raw_score(frame).mean())
    gender = list(frame.columns).index("CODE_GENDER")
    assert np.all(parts[:, gender] == 0.0)
    importance = pd.Series(card.feature_importances_, index=frame.columns)
    assert importance["CODE_GENDER"] == 0.0 and importance.idxmax() == "score"


def test_it_follows_the_estimator_rules_and_rejects_bad_input(fitted: Any) -> None:
    card, frame, y = fitted
    copy: Scorecard = clone(card)  # type: ignore[assignment]
    assert copy.get_params() == card.get_params() and not hasattr(copy, "bins_")
    with pytest.raises(TypeError, match="DataFrame"):
        Scorecard().fit(frame.to_numpy(), y)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="both classes"):
        Scorecard().fit(frame, np.zeros(len(frame)))
    assert roc_auc_score(y, card.predict_proba(frame)[:, 1]) > 0.75


def test_a_saved_card_scores_without_importing_optbinning(fitted: Any, tmp_path: Path) -> None:
    card, frame, _ = fitted
    path = tmp_path / "card.joblib"
    joblib.dump(card, path)
    rows = tmp_path / "rows.pkl"
    frame.iloc[:20].to_pickle(rows)
    expected = card.raw_score(frame.iloc[:20])
    script = (
        "import json, sys, joblib, pandas as pd\n"
        f"card = joblib.load({str(path)!r})\n"
        f"print(json.dumps(card.raw_score(pd.read_pickle({str(rows)!r})).tolist()))\n"
        "print('optbinning' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    scores, imported = done.stdout.strip().splitlines()
    np.testing.assert_allclose(json.loads(scores), expected)
    assert imported == "False"


@pytest.mark.slow
def test_the_candidate_trains_end_to_end_and_serves_its_card(frames: Any, tmp_path: Path) -> None:
    settings = TrainingSettings(n_trials=1, timeout_seconds=20, folds=3, n_jobs=1)
    result = train_candidate(
        CANDIDATES["scorecard"],
        frames.train,
        frames.balanced,
        frames.holdout,
        tmp_path / "studies.db",
        settings,
        dataset_hash(frames.train),
    )
    model = result.model
    assert result.metrics["holdout_auc"] > 0.6
    rows = features_of(frames.holdout).iloc[:50]
    factor, offset = points_scale()
    points = client_points(model, rows)
    np.testing.assert_allclose(points["total"], offset + factor * -logit(model.predict_proba(rows)))
    table = points_table(model)
    assert "CODE_GENDER" not in set(table["feature"])
    lost = points_lost(model, rows)
    assert list(lost.columns) == list(table["feature"].unique())
    importance = model.feature_importance()
    assert importance.index.tolist() == model.feature_names
    assert {f for f, v in importance.items() if v > 0} == set(table["feature"])
    base, parts = model.feature_contributions(rows)
    np.testing.assert_allclose(base + parts.sum(axis=1), logit(model.predict_proba(rows)))
    assert TARGET not in model.feature_names
