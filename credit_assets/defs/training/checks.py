"""Contracts of the training data; all block the models, which would be meaningless otherwise."""

from __future__ import annotations

import dagster as dg
import polars as pl

from credit_assets.defs.resources import DataLake
from credit_assets.features.contracts import labelled_aucs, suspicious_features
from credit_assets.features.feature_sets import PROTECTED_ATTRIBUTES
from credit_assets.leakage import LEAKAGE_AUC
from credit_assets.models import contracts
from credit_assets.models.data import TARGET

MAX_RATE_GAP = 0.005
LABELS = [TARGET]
"""What the checks of keys and labels read (the index, SK_ID_CURR, comes with it)."""


@dg.asset_check(
    asset="holdout_set",
    additional_deps=["training_set"],
    blocking=True,
    description="No client is both in the training set and in the holdout set.",
)
def holdout_disjoint_from_training(lake: DataLake) -> dg.AssetCheckResult:
    shared = contracts.shared_clients(
        lake.read_frame("training_set", LABELS), lake.read_frame("holdout_set", LABELS)
    )
    return dg.AssetCheckResult(passed=shared == 0, metadata={"shared_clients": shared})


@dg.asset_check(
    asset="holdout_set",
    additional_deps=["training_set"],
    blocking=True,
    description=f"Training and holdout default rates differ by at most {MAX_RATE_GAP}.",
)
def holdout_stratified(lake: DataLake) -> dg.AssetCheckResult:
    train = lake.read_frame("training_set", LABELS)
    holdout = lake.read_frame("holdout_set", LABELS)
    gap = contracts.default_rate_gap(train, holdout)
    return dg.AssetCheckResult(passed=gap <= MAX_RATE_GAP, metadata={"rate_gap": round(gap, 6)})


@dg.asset_check(
    asset="training_set",
    blocking=True,
    description=f"No single feature separates defaulters with AUC above {LEAKAGE_AUC} (a leak).",
)
def no_single_feature_leak(lake: DataLake) -> dg.AssetCheckResult:
    # The model inputs as the candidates read them; missing values rank lowest, as for the
    # client features' check (a sample of the clients: see labelled_aucs).
    training = pl.read_ipc(lake.frame_path("training_set"))
    aucs = labelled_aucs(training.drop(PROTECTED_ATTRIBUTES, strict=False))
    top = {c: round(a, 4) for c, a in sorted(aucs.items(), key=lambda item: -item[1])[:5]}
    leaking = list(suspicious_features(aucs, LEAKAGE_AUC))
    return dg.AssetCheckResult(
        passed=not leaking,
        metadata={"top_single_feature_aucs": top, "leaking": leaking},
    )


@dg.asset_check(
    asset="balanced_training_set",
    additional_deps=["training_set"],
    blocking=True,
    description=(
        "Defaulters are at least a third of the balanced set (half with the default 1:1), and"
        " every client in it is a training client."
    ),
)
def balanced_and_from_training(lake: DataLake) -> dg.AssetCheckResult:
    balanced = lake.read_frame("balanced_training_set", LABELS)
    train = lake.read_frame("training_set", LABELS)
    positives = int(balanced[TARGET].sum())
    negatives = len(balanced) - positives
    outside = len(balanced) - contracts.shared_clients(balanced, train)
    return dg.AssetCheckResult(
        passed=positives > 0 and 3 * positives >= len(balanced) and outside == 0,
        metadata={"defaulters": positives, "non_defaulters": negatives, "not_in_training": outside},
    )
