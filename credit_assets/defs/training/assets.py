"""Training data: labelled clients split into training and holdout; the balanced training set."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import pandas as pd
import polars as pl

from credit_assets.code_version import code_version
from credit_assets.defs.lineage import data_kind
from credit_assets.defs.resources import DataLake
from credit_assets.defs.tracking import MlflowTracking
from credit_assets.models.data import (
    TARGET,
    dataset_hash,
    labelled_clients,
    split_train_holdout,
    undersample,
)

FEATURES = dg.AssetKey("client_features")
LABELS_FROM = dg.AssetKey("application_train")
GROUP = "training"
CODE_VERSION = code_version(__name__)


def write_frame(lake: DataLake, name: str, frame: pd.DataFrame) -> dict[str, Any]:
    """Write a modelling frame with its hash; its metadata."""
    digest = dataset_hash(frame)
    path = lake.write_frame(name, frame, digest)
    return {
        "dagster/row_count": len(frame),
        "columns": frame.shape[1] - 1,
        "defaulters": int(frame[TARGET].sum()),
        "default_rate": round(float(frame[TARGET].mean()), 5),
        "dataset_hash": digest,
        "parquet_path": dg.MetadataValue.path(str(path)),
    }


class SplitConfig(dg.Config):
    """How the labelled clients are split."""

    holdout_share: float = 0.2
    """Share of the labelled clients kept aside for the final, untouched evaluation."""
    seed: int = 42


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "training_set",
            code_version=CODE_VERSION,
            group_name=GROUP,
            deps=[FEATURES, LABELS_FROM],
            kinds={"pandas", "parquet"},
            description=(
                "Labelled clients used to tune, cross-validate, calibrate and fit the models:"
                " client features plus TARGET, a stratified share of application_train."
            ),
        ),
        dg.AssetSpec(
            "holdout_set",
            code_version=CODE_VERSION,
            group_name=GROUP,
            deps=[FEATURES, LABELS_FROM],
            kinds={"pandas", "parquet"},
            description=(
                "Labelled clients set aside for the final evaluation: no model, calibration or"
                " threshold ever sees them before they are scored once."
            ),
        ),
    ]
)
def train_holdout_split(
    context: dg.AssetExecutionContext,
    config: SplitConfig,
    lake: DataLake,
    tracking: MlflowTracking,
) -> Iterator[dg.MaterializeResult]:
    """Split the labelled clients, stratified on TARGET and seeded."""
    # Polars decodes the wide table on every core; pandas gets the finished columns.
    features = pl.read_parquet(lake.features_path()).to_pandas()
    frame = labelled_clients(features, lake.labels())
    train, holdout = split_train_holdout(frame, config.holdout_share, config.seed)
    kind = data_kind(context.instance)
    hashes = {}
    for name, part in (("training_set", train), ("holdout_set", holdout)):
        metadata = write_frame(lake, name, part) | {"data_kind": kind}
        hashes[name] = str(metadata["dataset_hash"])
        yield dg.MaterializeResult(asset_key=name, metadata=metadata)
    tracking.tag_dataset(
        {
            "data_kind": kind,
            "dataset_hash": hashes["training_set"],
            "holdout_hash": hashes["holdout_set"],
        },
        {
            "training_rows": len(train),
            "holdout_rows": len(holdout),
            "features": train.shape[1] - 1,
            "default_rate": round(float(train[TARGET].mean()), 5),
        },
    )


class BalanceConfig(dg.Config):
    """How the majority class is undersampled."""

    sampling_strategy: float = 1.0
    """Defaulters / non-defaulters after undersampling (1.0: as many of each)."""
    seed: int = 42


@dg.asset(
    code_version=CODE_VERSION,
    group_name=GROUP,
    deps=["training_set"],
    kinds={"pandas", "parquet"},
)
def balanced_training_set(config: BalanceConfig, lake: DataLake) -> dg.MaterializeResult:
    """The training set with random non-defaulters dropped (imbalanced-learn) until both classes
    weigh the same: what the final models are fitted on. Cross-validation resamples inside each
    training fold instead, never touching validation rows."""
    train = lake.read_frame("training_set")
    balanced = undersample(train, config.sampling_strategy, config.seed)
    metadata = write_frame(lake, "balanced_training_set", balanced)
    metadata["negatives_kept_share"] = round(
        float((balanced[TARGET] == 0).sum() / max((train[TARGET] == 0).sum(), 1)), 5
    )
    return dg.MaterializeResult(metadata=metadata)
