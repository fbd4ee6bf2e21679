"""Training data: labelled clients split into training and holdout; the balanced training set."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import mlflow
import pandas as pd

from credit_assets.code_version import code_version
from credit_assets.defs.models.resources import MlflowTracking
from credit_assets.defs.resources import DataLake, HomeCreditSource
from credit_assets.ingest import IngestionError, locate_source
from credit_assets.models.data import (
    KEY,
    TARGET,
    dataset_hash,
    labelled_clients,
    split_train_holdout,
    undersample,
)
from credit_assets.models.tracking import git_commit

FEATURES = dg.AssetKey("client_features")
LABELS_FROM = dg.AssetKey("application_train")
GROUP = "training"
CODE_VERSION = code_version(__name__)


def features_path(lake: DataLake) -> Path:
    """Where the features assets write the client table (one row per training and test client)."""
    return lake.path("features", "client_features.parquet")


def frame_path(lake: DataLake, name: str) -> Path:
    """The Parquet file of a training-stage frame (``training_set``, ``holdout_set``, ...)."""
    return lake.path("training", f"{name}.parquet")


def read_frame(lake: DataLake, name: str) -> pd.DataFrame:
    """A modelling frame written by this stage, indexed by ``SK_ID_CURR``."""
    return pd.read_parquet(frame_path(lake, name))


def read_labels(lake: DataLake) -> pd.DataFrame:
    """``SK_ID_CURR, TARGET`` of the training clients, straight from the raw application table."""
    return pd.read_parquet(lake.raw_table("application_train"), columns=[KEY, TARGET])


def data_kind(source: HomeCreditSource) -> str:
    """``synthetic`` or ``real``, from the source's marker; ``unknown`` if it cannot be read."""
    try:
        return locate_source(source.path).kind
    except (IngestionError, OSError):
        return "unknown"


def frame_metadata(frame: pd.DataFrame, path: Path) -> dict[str, Any]:
    return {
        "dagster/row_count": len(frame),
        "columns": frame.shape[1] - 1,
        "defaulters": int(frame[TARGET].sum()),
        "default_rate": round(float(frame[TARGET].mean()), 5),
        "dataset_hash": dataset_hash(frame),
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
    config: SplitConfig,
    lake: DataLake,
    source: HomeCreditSource,
    tracking: MlflowTracking,
) -> Iterator[dg.MaterializeResult]:
    """Split the labelled clients, stratified on TARGET and seeded."""
    features = pd.read_parquet(features_path(lake))
    frame = labelled_clients(features, read_labels(lake))
    train, holdout = split_train_holdout(frame, config.holdout_share, config.seed)
    hashes = {}
    for name, part in (("training_set", train), ("holdout_set", holdout)):
        path = frame_path(lake, name)
        part.to_parquet(path)
        metadata = frame_metadata(part, path)
        hashes[name] = str(metadata["dataset_hash"])
        yield dg.MaterializeResult(asset_key=name, metadata=metadata)
    _log_dataset(train, holdout, hashes, data_kind(source))


def _log_dataset(
    train: pd.DataFrame, holdout: pd.DataFrame, hashes: dict[str, str], kind: str
) -> None:
    """Tag the pipeline's parent MLflow run with what the models are trained on."""
    mlflow.set_tags(
        {
            "git_commit": git_commit(Path(__file__).parent),
            "data_kind": kind,
            "dataset_hash": hashes["training_set"],
            "holdout_hash": hashes["holdout_set"],
        }
    )
    mlflow.log_params(
        {
            "training_rows": len(train),
            "holdout_rows": len(holdout),
            "features": train.shape[1] - 1,
            "default_rate": round(float(train[TARGET].mean()), 5),
        }
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
    train = read_frame(lake, "training_set")
    balanced = undersample(train, config.sampling_strategy, config.seed)
    path = frame_path(lake, "balanced_training_set")
    balanced.to_parquet(path)
    metadata = frame_metadata(balanced, path)
    metadata["negatives_kept_share"] = round(
        float((balanced[TARGET] == 0).sum() / max((train[TARGET] == 0).sum(), 1)), 5
    )
    return dg.MaterializeResult(metadata=metadata)
