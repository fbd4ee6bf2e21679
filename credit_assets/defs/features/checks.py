"""Data contracts of the client feature table; all block training when they fail."""

from __future__ import annotations

import dagster as dg
import polars as pl

from credit_assets.defs.resources import DataLake
from credit_assets.features import contracts
from credit_assets.features.common import KEY
from credit_assets.leakage import LEAKAGE_AUC

CLIENT_FEATURES = dg.AssetKey("client_features")
APPLICATIONS = [dg.AssetKey("application_train"), dg.AssetKey("application_test")]


def _features(lake: DataLake) -> pl.DataFrame:
    return pl.read_parquet(lake.features_path())


def _clients(lake: DataLake, table: str) -> pl.Series:
    return pl.read_parquet(lake.raw_table(table), columns=[KEY]).get_column(KEY)


@dg.asset_check(
    asset=CLIENT_FEATURES,
    blocking=True,
    additional_deps=APPLICATIONS,
    description="One row per training and test client: no duplicate key, no extra client.",
)
def one_row_per_client(lake: DataLake) -> dg.AssetCheckResult:
    features = pl.read_parquet(lake.features_path(), columns=[KEY])
    clients = pl.concat([_clients(lake, "application_train"), _clients(lake, "application_test")])
    duplicates = contracts.duplicate_keys(features)
    return dg.AssetCheckResult(
        passed=duplicates == 0 and features.height == clients.n_unique(),
        metadata={"rows": features.height, "clients": clients.n_unique(), "duplicates": duplicates},
    )


@dg.asset_check(
    asset=CLIENT_FEATURES,
    blocking=True,
    additional_deps=APPLICATIONS[:1],
    description="Every training client has a row (a client without side-table rows included).",
)
def every_training_client_present(lake: DataLake) -> dg.AssetCheckResult:
    features = pl.read_parquet(lake.features_path(), columns=[KEY])
    missing = contracts.missing_clients(features, _clients(lake, "application_train"))
    return dg.AssetCheckResult(
        passed=not missing, metadata={"missing": len(missing), "examples": missing[:10]}
    )


@dg.asset_check(asset=CLIENT_FEATURES, blocking=True, description="No feature holds an infinity.")
def no_infinities(lake: DataLake) -> dg.AssetCheckResult:
    infinite = contracts.infinite_columns(_features(lake))
    return dg.AssetCheckResult(passed=not infinite, metadata={"columns": infinite})


@dg.asset_check(
    asset=CLIENT_FEATURES,
    blocking=True,
    additional_deps=APPLICATIONS[:1],
    description=(
        f"No TARGET column, and no feature that alone ranks defaulters with AUC above"
        f" {LEAKAGE_AUC} on training clients (missing ranked lowest): the best real"
        " single feature, EXT_SOURCE_3, reaches about 0.68."
    ),
)
def no_target_leakage(lake: DataLake) -> dg.AssetCheckResult:
    features = _features(lake)
    labels = pl.read_parquet(lake.raw_table("application_train"), columns=[KEY, "TARGET"])
    aucs = contracts.single_feature_aucs(features, labels)
    flagged = contracts.suspicious_features(aucs)
    best = sorted(aucs.items(), key=lambda item: -item[1])[:5]
    return dg.AssetCheckResult(
        passed="TARGET" not in features.columns and not flagged,
        metadata={
            "target_column": "TARGET" in features.columns,
            "suspicious": {c: round(a, 4) for c, a in flagged.items()},
            "best_single_features": {c: round(a, 4) for c, a in best},
        },
    )
