"""Every candidate trains end to end on the generated data; the artefact serves and explains."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit
from sklearn.impute import SimpleImputer

from credit_assets.models import ScoringModel
from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.data import dataset_hash, features_of
from credit_assets.models.explain import BACKGROUND_ROWS, contributions
from credit_assets.models.preprocessing import MedianImputer, linear_feature_groups
from credit_assets.models.scores import LinearShortcut, raw_scores
from credit_assets.models.train import CandidateResult, TrainingSettings, train_candidate

pytestmark = pytest.mark.slow
METRICS = (
    "cv_auc_mean",
    "cv_auc_std",
    "holdout_auc",
    "business_cost",
    "threshold",
    "accuracy",
    "recall",
    "brier",
    "fit_seconds",
    "predict_seconds",
)


@pytest.fixture(scope="module")
def trained(frames: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, CandidateResult]:
    storage = tmp_path_factory.mktemp("optuna") / "studies.db"
    settings = TrainingSettings(n_trials=2, timeout_seconds=20, folds=3, n_jobs=1)
    data_hash = dataset_hash(frames.train)
    return {
        name: train_candidate(
            candidate, frames.train, frames.balanced, frames.holdout, storage, settings, data_hash
        )
        for name, candidate in CANDIDATES.items()
    }


@pytest.mark.parametrize("name", list(CANDIDATES))
def test_every_candidate_trains_and_reports_its_metrics(
    trained: dict[str, CandidateResult], name: str
) -> None:
    metrics = trained[name].metrics
    assert set(METRICS) <= set(metrics)
    assert 0.0 <= metrics["business_cost"] <= 10.0
    assert 0.0 < metrics["threshold"] <= 1.0 or name == "dummy"
    if name != "dummy":
        assert metrics["holdout_auc"] > 0.55
        assert metrics["business_cost"] < trained["dummy"].metrics["business_cost"]


@pytest.mark.parametrize("name", list(CANDIDATES))
def test_calibration_beats_the_undersampled_probabilities(
    trained: dict[str, CandidateResult], name: str
) -> None:
    metrics = trained[name].metrics
    assert metrics["brier"] < metrics["brier_uncalibrated"]


@pytest.mark.parametrize("name", list(CANDIDATES))
def test_the_artefact_round_trips_and_explains_exactly(
    trained: dict[str, CandidateResult], name: str, frames: Any, tmp_path: Path
) -> None:
    model = trained[name].model
    rows = features_of(frames.holdout).iloc[:25]
    loaded = ScoringModel.load(model.save(tmp_path / f"{name}.joblib"))
    np.testing.assert_allclose(loaded.predict_proba(rows), model.predict_proba(rows))
    assert loaded.feature_names == model.feature_names and loaded.threshold == model.threshold
    base, parts = loaded.feature_contributions(rows)
    np.testing.assert_allclose(base + parts.sum(axis=1), logit(loaded.predict_proba(rows)))
    explanation = loaded.explain(rows.iloc[[0]], top_k=5)[0]
    total = explanation.base + sum(c.contribution for c in explanation.contributions)
    assert total + explanation.other == pytest.approx(logit(explanation.probability))
    assert len(explanation.contributions) == 5
    assert explanation.decision == loaded.decide([explanation.probability])[0]


@pytest.mark.parametrize("name", [n for n in CANDIDATES if n != "dummy"])
def test_contributions_are_measured_from_the_average_training_client(
    trained: dict[str, CandidateResult], name: str, frames: Any
) -> None:
    model = trained[name].model
    assert model.contribution_means is not None
    # The background is the training clients (a seeded sample of them): over it every feature's
    # contributions average zero and the base is the mean calibrated log-odds.
    clients = features_of(frames.train)
    background = clients.sample(BACKGROUND_ROWS, random_state=42)
    base, parts = model.feature_contributions(background)
    np.testing.assert_allclose(parts.mean(axis=0), 0.0, atol=1e-9)
    assert base[0] == pytest.approx(np.mean(logit(model.predict_proba(background))))
    # Over every training client, no feature's mean push is more than a trace.
    _, everyone = model.feature_contributions(clients)
    assert np.abs(everyone.mean(axis=0)).max() < 0.05


def test_linear_contributions_are_coefficient_times_distance_to_the_training_mean(
    trained: dict[str, CandidateResult], frames: Any
) -> None:
    model = trained["logistic_regression"].model
    rows = features_of(frames.holdout).iloc[:10]
    _, parts = model.feature_contributions(rows)
    scaled = model.prep.transform(rows)
    background = model.prep.transform(
        features_of(frames.train).sample(BACKGROUND_ROWS, random_state=42)
    )
    column = model.feature_names.index("AMT_CREDIT")
    out = linear_feature_groups(model.prep).index("AMT_CREDIT")
    expected = (
        model.calibration.slope
        * model.model.coef_[0, out]
        * (scaled[:, out] - background[:, out].mean())
    )
    np.testing.assert_allclose(parts[:, column], expected, atol=1e-12)


def test_an_artefact_without_mean_contributions_explains_as_before(
    trained: dict[str, CandidateResult], frames: Any
) -> None:
    model = trained["lightgbm"].model
    old = replace(model, contribution_means=None)
    rows = features_of(frames.holdout).iloc[:5]
    base, parts = model.feature_contributions(rows)
    old_base, old_parts = old.feature_contributions(rows)
    assert model.contribution_means is not None
    slope = model.calibration.slope
    np.testing.assert_allclose(parts, old_parts - slope * model.contribution_means)
    np.testing.assert_allclose(base + parts.sum(axis=1), old_base + old_parts.sum(axis=1))


def test_one_hot_columns_are_explained_as_their_original_field(
    trained: dict[str, CandidateResult], frames: Any
) -> None:
    model = trained["logistic_regression"].model
    _, parts = model.feature_contributions(features_of(frames.holdout).iloc[:5])
    assert parts.shape == (5, len(model.feature_names))
    contract = model.feature_names.index("NAME_CONTRACT_TYPE")
    assert np.all(parts[:, contract] != 0.0)


@pytest.mark.parametrize("name", ["logistic_regression", "random_forest", "lightgbm"])
def test_gender_is_never_a_model_input(trained: dict[str, CandidateResult], name: str) -> None:
    model = trained[name].model
    assert "CODE_GENDER" not in model.feature_names
    assert "CODE_GENDER" not in str(model.feature_importance().index.tolist())


def test_a_client_with_missing_columns_and_unknown_categories_is_still_scored(
    trained: dict[str, CandidateResult], frames: Any
) -> None:
    model = trained["lightgbm"].model
    row = features_of(frames.holdout).iloc[[0]].copy()
    row["NAME_INCOME_TYPE"] = "never seen"
    partial = row.drop(columns=["EXT_SOURCE_1", "AMT_ANNUITY"])
    assert 0.0 < model.predict_proba(partial)[0] < 1.0
    assert model.decide(np.array([0.0, 1.0])).tolist() == ["accepted", "refused"]


def test_the_linear_shortcut_scores_like_the_scikit_learn_pipeline(
    trained: dict[str, CandidateResult], frames: Any
) -> None:
    model = trained["logistic_regression"].model
    rows = features_of(frames.holdout).iloc[:20].copy()
    rows.iloc[0, :5] = np.nan
    rows.loc[rows.index[1], "CODE_GENDER"] = "unseen"
    np.testing.assert_allclose(
        model.raw_score(rows), raw_scores(model.prep, model.model, rows), atol=1e-10
    )


def test_the_linear_shortcut_gives_the_pipelines_contributions(
    trained: dict[str, CandidateResult], frames: Any
) -> None:
    model = trained["logistic_regression"].model
    rows = features_of(frames.holdout).iloc[:20].reindex(columns=model.feature_names)
    rows.iloc[0, :5] = np.nan
    categorical = rows.select_dtypes(exclude="number").columns[0]
    rows.loc[rows.index[1], categorical] = "unseen"
    base, parts = contributions(model.prep, model.model, rows, model.feature_names)
    folded_base, folded = LinearShortcut.of(model.prep, model.model).contributions(
        rows, model.feature_names
    )
    np.testing.assert_allclose(folded_base, base, atol=1e-12)
    np.testing.assert_allclose(folded, parts, atol=1e-10)
    # What the service uses for a few rows sums to the score, like the pipeline's.
    served_base, served = model.feature_contributions(rows)
    np.testing.assert_allclose(
        served_base + served.sum(axis=1), logit(model.predict_proba(rows)), atol=1e-9
    )


def test_the_median_imputer_matches_scikit_learns() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(501, 6))
    values[rng.random(values.shape) < 0.3] = np.nan
    values[:, 4] = np.nan  # a column never observed
    frame = pd.DataFrame(values, columns=pd.Index(list("abcdef"))).astype({"f": "Float32"})
    frame.loc[3, "f"] = pd.NA
    reference = SimpleImputer(strategy="median", keep_empty_features=True).fit(frame)
    ours = MedianImputer().fit(frame)
    expected = np.asarray(reference.statistics_, dtype=np.float64)
    np.testing.assert_allclose(ours.statistics_, expected, atol=1e-7)
    imputed = np.asarray(reference.transform(frame), dtype=np.float64)
    np.testing.assert_allclose(ours.transform(frame), imputed, atol=1e-7)
    assert np.asarray(ours.get_feature_names_out()).tolist() == list("abcdef")
    with pytest.raises(ValueError, match="5 columns where 6 were fitted"):
        ours.transform(values[:, :5])
    # Numbers held as objects with None (as a request may bring them) read as missing.
    as_objects = frame.astype(object).where(frame.notna(), None)
    np.testing.assert_allclose(ours.transform(as_objects), imputed, atol=1e-7)
    with pytest.raises(ValueError):
        ours.transform(as_objects.assign(a="not a number"))


def test_training_leaves_the_frames_it_was_given_as_they_were(frames: Any, tmp_path: Path) -> None:
    """The training inputs are copied once and shared by the refit, the holdout scores and the
    reasons' background: a model step that filled or encoded them in place would corrupt the
    frames behind every later figure."""
    train, balanced, holdout = frames.train.copy(), frames.balanced.copy(), frames.holdout.copy()
    settings = TrainingSettings(n_trials=1, timeout_seconds=None, folds=3, n_jobs=1)
    storage, data_hash = tmp_path / "studies.db", dataset_hash(train)
    for name in ("logistic_regression", "lightgbm", "scorecard"):
        train_candidate(CANDIDATES[name], train, balanced, holdout, storage, settings, data_hash)
    given = (train, balanced, holdout)
    for before, after in zip((frames.train, frames.balanced, frames.holdout), given, strict=True):
        pd.testing.assert_frame_equal(before, after)
