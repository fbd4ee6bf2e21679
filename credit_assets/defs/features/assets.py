"""Feature layer: one table per source of evidence, then the client feature table.

Each feature asset reads raw Parquet tables from the lake, runs a group of
``credit_assets.features`` and writes one row per client to ``features/<asset>.parquet``. The
client table joins them for every training and test client. TARGET is never a column of any of
them: the training stage joins labels from ``application_train`` itself.
"""

import time
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
import polars as pl

from credit_assets.code_version import code_version
from credit_assets.defs.resources import DataLake
from credit_assets.features.build import (
    DEFAULT_MAX_MISSING_SHARE,
    GROUPS,
    FeatureGroup,
    build_client_features,
    write_table,
)
from credit_assets.features.common import KEY
from credit_assets.features.serving import FeatureSpec

GROUP = "features"
CODE_VERSION = code_version(__name__)
TOP_MISSING = 15

DEFINITIONS = {
    "application_features": (
        "The client's own application, one row per training and test client: raw fields with the"
        " 365243 and XNA placeholders made missing, business ratios (credit, annuity and goods"
        " against income and credit, income per person, employment over age), EXT_SOURCE blends"
        " and document, contact and address-flag counts. Categorical fields stay text."
    ),
    "bureau_features": (
        "The client's credits at other lenders (Credit Bureau): counts, active and closed credits,"
        " overdue amounts and days, debt and limit ratios, credits opened recently, and the"
        " monthly status history (late-month shares, worst status)."
    ),
    "previous_application_features": (
        "The client's earlier Home Credit applications: amounts, approved and refused counts and"
        " aggregates, application/credit ratio, an interest-rate proxy, recency of the last"
        " applications and loans still being repaid."
    ),
    "pos_cash_features": (
        "The client's point-of-sale and cash loans, month by month: months on book, days past"
        " due overall and in the last year, contract states, completed loans."
    ),
    "installment_features": (
        "Repayments of the client's earlier loans: days past and before due, paid share, payment"
        " shortfall, late and underpaid shares, and the same over the last one and two years."
    ),
    "credit_card_features": (
        "The client's Home Credit credit cards, month by month: balances, limits, utilisation,"
        " drawings, payments against the minimum, days past due."
    ),
}


def table_metadata(
    table: pl.DataFrame, path: Path, seconds: float
) -> "dict[str, dg.RawMetadataValue]":
    """Rows, columns, seconds and the most-missing columns of a feature table."""
    shares = table.null_count().row(0, named=True)
    top = sorted(shares.items(), key=lambda item: -item[1])[:TOP_MISSING]
    rows = max(table.height, 1)
    lines = ["| column | missing share |", "|---|---|"]
    lines += [f"| {c} | {n / rows:.3f} |" for c, n in top]
    return {
        "dagster/row_count": table.height,
        "columns": table.width - 1,
        "seconds": round(seconds, 2),
        "top_missing_shares": dg.MetadataValue.md("\n".join(lines)),
        "parquet_path": dg.MetadataValue.path(str(path)),
    }


def feature_group_asset(group: FeatureGroup) -> dg.AssetsDefinition:
    """The asset computing one feature group from its raw tables."""

    @dg.asset(
        code_version=CODE_VERSION,
        name=group.name,
        group_name=GROUP,
        description=DEFINITIONS[group.name],
        deps=[dg.AssetKey(t.lower()) for t in group.tables],
        kinds={"polars", "parquet"},
    )
    def _feature_group(lake: DataLake) -> dg.MaterializeResult:
        started = time.perf_counter()
        raw: Mapping[str, pl.LazyFrame] = {
            t: pl.scan_parquet(lake.raw_table(t)) for t in group.tables
        }
        table = group.build(raw)
        path = lake.features_path(group.name)
        write_table(table, path)
        return dg.MaterializeResult(
            metadata=table_metadata(table, path, time.perf_counter() - started)
        )

    return _feature_group


feature_groups = [feature_group_asset(group) for group in GROUPS]


class ClientFeaturesConfig(dg.Config):
    """How the client table is assembled."""

    max_missing_share: float = DEFAULT_MAX_MISSING_SHARE
    """Columns missing for more than this share of training clients are dropped."""


@dg.asset(
    code_version=CODE_VERSION,
    group_name=GROUP,
    deps=[*(dg.AssetKey(g.name) for g in GROUPS), dg.AssetKey("application_train")],
    kinds={"polars", "parquet"},
)
def client_features(config: ClientFeaturesConfig, lake: DataLake) -> dg.MaterializeResult:
    """Every training and test client, one row each, keyed by SK_ID_CURR: application features
    and every side-table group (missing where a client has no such rows). No TARGET. Columns
    mostly missing or constant on training clients are dropped; the remaining column list is
    saved beside the table so a new applicant's row can be aligned to it."""
    started = time.perf_counter()
    application, *parts = (pl.read_parquet(lake.features_path(g.name)) for g in GROUPS)
    training_ids = pl.read_parquet(lake.raw_table("application_train"), columns=[KEY])
    table, report = build_client_features(
        application, parts, training_ids.get_column(KEY), config.max_missing_share
    )
    path = lake.features_path()
    write_table(table, path)
    lake.spec_path().write_text(FeatureSpec.of(table).to_json())
    metadata = table_metadata(table, path, time.perf_counter() - started)
    metadata |= {
        "dropped_mostly_missing": len(report.dropped_missing),
        "dropped_constant": len(report.dropped_constant),
        "dropped_columns": sorted([*report.dropped_missing, *report.dropped_constant]),
        "feature_columns_path": dg.MetadataValue.path(str(lake.spec_path())),
    }
    return dg.MaterializeResult(metadata=metadata)
