"""Data contracts of the raw tables: keys, links between tables, the default rate, row counts.

Key uniqueness, row counts and the default rate block everything downstream. Links between
tables only warn: the real Kaggle data has a few side-table rows whose parent is missing.
"""

from __future__ import annotations

import dagster as dg

from credit_assets.defs.raw.assets import asset_key
from credit_assets.defs.resources import DataLake
from credit_assets.ingest import contracts
from credit_assets.kaggle import APPLICATION_TABLES

DEFAULT_RATE_RANGE = (0.01, 0.30)


def has_rows_check(table: str) -> dg.AssetChecksDefinition:
    """A blocking check that an application table is not empty."""

    @dg.asset_check(
        asset=asset_key(table), name="has_rows", blocking=True, description="At least one row."
    )
    def _has_rows(lake: DataLake) -> dg.AssetCheckResult:
        rows = contracts.row_count(lake.raw_table(table))
        return dg.AssetCheckResult(passed=rows > 0, metadata={"rows": rows})

    return _has_rows


def unique_key_check(
    table: str, key: str, across: tuple[str, ...] = ()
) -> dg.AssetChecksDefinition:
    """A blocking check that ``key`` is unique in ``table`` and the ``across`` tables together."""
    tables = (table, *across)

    @dg.asset_check(
        asset=asset_key(table),
        name=f"{key.lower()}_unique",
        blocking=True,
        additional_deps=[asset_key(t) for t in across],
        description=f"{key} identifies one row across {', '.join(tables)}.",
    )
    def _unique(lake: DataLake) -> dg.AssetCheckResult:
        duplicates = contracts.duplicate_keys([lake.raw_table(t) for t in tables], key)
        return dg.AssetCheckResult(passed=duplicates == 0, metadata={"duplicates": duplicates})

    return _unique


def known_keys_check(
    table: str, parents: tuple[str, ...], columns: tuple[str, ...], name: str
) -> dg.AssetChecksDefinition:
    """A warning check that every row of ``table`` links to a row of one of the ``parents``."""

    @dg.asset_check(
        asset=asset_key(table),
        name=name,
        additional_deps=[asset_key(p) for p in parents],
        description=f"Every ({', '.join(columns)}) is found in {' or '.join(parents)}.",
    )
    def _known(lake: DataLake) -> dg.AssetCheckResult:
        coverage = contracts.key_coverage(
            lake.raw_table(table), [lake.raw_table(p) for p in parents], columns
        )
        return dg.AssetCheckResult(
            passed=coverage.orphan_rows == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rows": coverage.rows,
                "orphan_rows": coverage.orphan_rows,
                "orphan_share": round(coverage.orphan_share, 6),
                "orphan_keys": coverage.orphan_keys,
                "orphan_examples": str(coverage.examples),
            },
        )

    return _known


@dg.asset_check(asset=asset_key("application_train"), blocking=True)
def default_rate(lake: DataLake) -> dg.AssetCheckResult:
    """TARGET is 0 or 1 on every row, and the share of defaults is plausible (1 % to 30 %)."""
    summary = contracts.target_summary(lake.raw_table("application_train"))
    low, high = DEFAULT_RATE_RANGE
    plausible = low <= summary.default_rate <= high
    return dg.AssetCheckResult(
        passed=plausible and summary.missing == 0 and summary.not_binary == 0,
        metadata={
            "default_rate": round(summary.default_rate, 6),
            "defaults": summary.defaults,
            "rows": summary.rows,
            "missing_target": summary.missing,
            "not_binary_target": summary.not_binary,
            "accepted_range": f"{low:.0%} to {high:.0%}",
        },
    )


CLIENTS = APPLICATION_TABLES
raw_checks = [
    *(has_rows_check(t) for t in APPLICATION_TABLES),
    unique_key_check("application_train", "SK_ID_CURR"),
    unique_key_check("application_test", "SK_ID_CURR", across=("application_train",)),
    unique_key_check("bureau", "SK_ID_BUREAU"),
    unique_key_check("previous_application", "SK_ID_PREV"),
    known_keys_check("bureau", CLIENTS, ("SK_ID_CURR",), "clients_known"),
    known_keys_check("bureau_balance", ("bureau",), ("SK_ID_BUREAU",), "bureau_credits_known"),
    known_keys_check("previous_application", CLIENTS, ("SK_ID_CURR",), "clients_known"),
    *(
        check
        for table in ("POS_CASH_balance", "credit_card_balance", "installments_payments")
        for check in (
            known_keys_check(table, CLIENTS, ("SK_ID_CURR",), "clients_known"),
            known_keys_check(
                table,
                ("previous_application",),
                ("SK_ID_PREV", "SK_ID_CURR"),
                "previous_applications_known",
            ),
        )
    ),
]
