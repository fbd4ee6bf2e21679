"""Model quality that tests protect: both champions against the oracle, calibrated, consistent.

About 12,000 generated clients go through the real feature code (``build_all``) and the real
training (``train_candidate``: CV, calibration, threshold, refit) for the two feature sets; the
generator's true probabilities give the oracle. Then behavioural tests in the Made-With-ML
sense: a client sent with their history scores as by id, directional expectations (better
external scores lower the risk, late instalments raise it) and invariances (renaming a client,
reordering their history rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

from credit_assets.features.build import build_all
from credit_assets.features.common import KEY
from credit_assets.features.feature_sets import FeatureSet
from credit_assets.features.history import given, history_of
from credit_assets.features.serving import FeatureSpec, new_client_features
from credit_assets.ingest import read_table
from credit_assets.ingest.source import locate_source
from credit_assets.kaggle import TABLES
from credit_assets.models import ScoringModel
from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.champion import choose_champion
from credit_assets.models.data import (
    TARGET,
    dataset_hash,
    features_of,
    for_feature_set,
    labelled_clients,
    split_train_holdout,
    undersample,
)
from credit_assets.models.evaluation import TRUTH_FILE
from credit_assets.models.train import TrainingSettings, train_candidate
from credit_assets.synth.generate import write_dataset

pytestmark = pytest.mark.slow

CLIENTS = 12_000
MAX_AUC_GAP = {"history": 0.04, "application_only": 0.08}
"""How far below the true probabilities' AUC each champion's holdout AUC may fall. Measured at
12,000 clients: history 0.018-0.025 below, application only 0.05-0.06 below (it cannot see the
behaviour in the side tables that the true probabilities depend on)."""
CALIBRATION_TOLERANCE = 0.10
"""Mean predicted probability within 10 % of the holdout's default rate."""
QUICK = TrainingSettings(n_trials=1, timeout_seconds=60, folds=3, seed=11, n_jobs=2)


@dataclass
class World:
    raw: dict[str, pl.DataFrame]
    table: pd.DataFrame
    spec: FeatureSpec
    holdout: pd.DataFrame
    truth: pd.Series
    champions: dict[FeatureSet, ScoringModel]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    folder = tmp_path_factory.mktemp("quality")
    source = write_dataset(folder, CLIENTS, 1_000, seed=11, workers=2)
    files = locate_source(source)
    raw = {t: pl.from_arrow(read_table(files.file(t)).data) for t in TABLES}
    frames = {t: f for t, f in raw.items() if isinstance(f, pl.DataFrame)}
    built, _ = build_all({t: f.lazy() for t, f in frames.items()})
    spec = FeatureSpec.of(built)
    table = built.to_pandas()
    labels = frames["application_train"].select(KEY, TARGET).to_pandas()
    labelled = labelled_clients(table, labels)
    truth_table = pd.read_csv(source / TRUTH_FILE)
    truth = pd.Series(truth_table["probability"].to_numpy(), index=truth_table[KEY])
    champions: dict[FeatureSet, ScoringModel] = {}
    # The same seeded split of the same clients for both feature sets: one holdout, every column.
    _, holdout = split_train_holdout(labelled, 0.25, seed=11)
    for feature_set in ("history", "application_only"):
        train, own = split_train_holdout(for_feature_set(labelled, feature_set), 0.25, seed=11)
        assert own.index.equals(holdout.index)
        balanced = undersample(train, seed=11)
        trained = {
            name: train_candidate(
                CANDIDATES[name], train, balanced, own,
                folder / f"{feature_set}-{name}.db", QUICK, dataset_hash(train), "synthetic",
                feature_set,
            ).model
            for name in ("dummy", "logistic_regression", "lightgbm")
        }  # fmt: skip
        choice = choose_champion({name: m.metrics for name, m in trained.items()})
        champions[feature_set] = trained[choice.name]
    return World(frames, table.set_index(KEY), spec, holdout, truth, champions)


@pytest.mark.parametrize("feature_set", ["history", "application_only"])
def test_each_champion_ranks_close_to_the_true_probabilities(
    world: World, feature_set: FeatureSet
) -> None:
    y = world.holdout[TARGET].to_numpy()
    oracle = roc_auc_score(y, world.truth.reindex(world.holdout.index).to_numpy())
    proba = world.champions[feature_set].predict_proba(features_of(world.holdout))
    assert roc_auc_score(y, proba) >= oracle - MAX_AUC_GAP[feature_set]


@pytest.mark.parametrize("feature_set", ["history", "application_only"])
def test_each_champion_is_calibrated_for_the_population(
    world: World, feature_set: FeatureSet
) -> None:
    y = world.holdout[TARGET].to_numpy()
    proba = world.champions[feature_set].predict_proba(features_of(world.holdout))
    assert abs(proba.mean() - y.mean()) <= CALIBRATION_TOLERANCE * y.mean()


def test_the_history_adds_to_the_application(world: World) -> None:
    y = world.holdout[TARGET].to_numpy()
    aucs = {
        s: roc_auc_score(y, m.predict_proba(features_of(world.holdout)))
        for s, m in world.champions.items()
    }
    assert aucs["history"] > aucs["application_only"] + 0.01


def application_of(world: World, sk_id: int) -> dict[str, Any]:
    train = world.raw["application_train"].filter(pl.col(KEY) == sk_id).drop(TARGET)
    return given(train.row(0, named=True))


@pytest.fixture(scope="module")
def with_history(world: World) -> list[int]:
    """Holdout clients with a few bureau credits and previous applications."""
    counts = [
        world.raw[t].group_by(KEY).len().filter(pl.col("len") >= 2).select(KEY)
        for t in ("bureau", "previous_application", "installments_payments")
    ]
    both = counts[0].join(counts[1], on=KEY).join(counts[2], on=KEY).get_column(KEY).to_list()
    return [i for i in world.holdout.index if i in set(both)][:25]


def score(world: World, application: dict[str, Any], history: Any = None) -> float:
    model = world.champions["history" if history is not None else "application_only"]
    return float(model.predict_proba(new_client_features(application, world.spec, history))[0])


def test_a_client_sent_with_their_history_scores_as_by_id(
    world: World, with_history: list[int]
) -> None:
    model = world.champions["history"]
    by_id = model.predict_proba(world.table.loc[with_history])
    sent = [score(world, application_of(world, i), history_of(world.raw, i)) for i in with_history]
    assert np.max(np.abs(by_id - np.array(sent))) < 1e-6


def test_better_external_scores_lower_the_risk(world: World, with_history: list[int]) -> None:
    for history in (True, False):
        before, after = [], []
        for sk_id in with_history:
            application = application_of(world, sk_id)
            rows = history_of(world.raw, sk_id) if history else None
            better = {
                **application,
                **{f"EXT_SOURCE_{i}": min(application.get(f"EXT_SOURCE_{i}", 0.5) + 0.2, 1.0)
                   for i in (1, 2, 3)},
            }  # fmt: skip
            before.append(score(world, application, rows))
            after.append(score(world, better, rows))
        moved = np.array(after) - np.array(before)
        assert np.mean(moved < 0) >= 0.9 and moved.mean() < 0


def test_late_instalments_raise_the_risk(world: World, with_history: list[int]) -> None:
    def paid_late(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        late = [
            {**r, "DAYS_ENTRY_PAYMENT": r["DAYS_INSTALMENT"] + 60}
            for r in rows["installments_payments"]
            if "DAYS_INSTALMENT" in r
        ]
        return {**rows, "installments_payments": late}

    before, after = [], []
    for sk_id in with_history:
        application, rows = application_of(world, sk_id), history_of(world.raw, sk_id)
        before.append(score(world, application, rows))
        after.append(score(world, application, paid_late(rows)))
    moved = np.array(after) - np.array(before)
    assert np.mean(moved > 0) >= 0.8 and moved.mean() > 0


Change = Callable[[int, dict[str, Any], dict[str, list[dict[str, Any]]]], tuple[Any, Any]]


def renamed(sk_id: int, application: dict[str, Any], history: dict[str, Any]) -> tuple[Any, Any]:
    other = 999_999_999
    rows = {t: [{**r, KEY: other} if KEY in r else r for r in rs] for t, rs in history.items()}
    return {**application, KEY: other}, rows


def reordered(sk_id: int, application: dict[str, Any], history: dict[str, Any]) -> tuple[Any, Any]:
    return application, {t: list(reversed(rows)) for t, rows in history.items()}


@pytest.mark.parametrize("change", [renamed, reordered], ids=["renamed", "reordered"])
def test_invariances(world: World, with_history: list[int], change: Change) -> None:
    for sk_id in with_history[:10]:
        application, history = application_of(world, sk_id), history_of(world.raw, sk_id)
        before = score(world, application, history)
        assert score(world, *change(sk_id, application, history)) == pytest.approx(before, abs=1e-9)
