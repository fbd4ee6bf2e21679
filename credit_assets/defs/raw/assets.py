"""Raw layer: each Kaggle table copied from the source into the lake as typed Parquet."""

from __future__ import annotations

import dagster as dg

from credit_assets.code_version import code_version
from credit_assets.defs.resources import DataLake, HomeCreditSource
from credit_assets.ingest import IngestionError, IngestReport, ingest_table
from credit_assets.kaggle import TABLES, schema

CODE_VERSION = code_version(__name__)
"""A new version (ingestion code, the Kaggle schema) re-ingests every table."""

DEFINITIONS = {
    "application_train": (
        "Loan applications of the training clients, one row per client (SK_ID_CURR): the client's"
        " data at application time and TARGET, 1 when the client had payment difficulties (late"
        " by more than X days on at least one of the first Y instalments), else 0."
    ),
    "application_test": (
        "Loan applications to score, one row per client (SK_ID_CURR): the same data as"
        " application_train, without TARGET."
    ),
    "bureau": (
        "The clients' credits at other institutions as reported by the Credit Bureau, one row per"
        " bureau credit (SK_ID_BUREAU) before the application."
    ),
    "bureau_balance": (
        "Monthly status of each Credit Bureau credit, one row per credit (SK_ID_BUREAU) and month:"
        " days past due bucket 0-5, C closed, X unknown."
    ),
    "previous_application": (
        "The clients' earlier applications for Home Credit loans, one row per previous application"
        " (SK_ID_PREV), whether approved, refused, cancelled or unused."
    ),
    "POS_CASH_balance": (
        "Monthly snapshots of the clients' previous point-of-sale and cash loans with Home Credit,"
        " one row per previous credit (SK_ID_PREV) and month."
    ),
    "credit_card_balance": (
        "Monthly snapshots of the clients' previous Home Credit credit cards, one row per card"
        " (SK_ID_PREV) and month."
    ),
    "installments_payments": (
        "Repayment history of previous Home Credit credits: one row per instalment due and the"
        " payment made for it (or missed)."
    ),
}


def asset_key(table: str) -> dg.AssetKey:
    """The asset key of a raw Kaggle table: its name lowercased (``pos_cash_balance``)."""
    return dg.AssetKey(table.lower())


def raw_table_asset(table: str) -> dg.AssetsDefinition:
    """The asset that ingests one Kaggle table into ``lake.raw_table(table)``."""

    @dg.asset(
        code_version=CODE_VERSION,
        key=asset_key(table),
        group_name="raw",
        description=DEFINITIONS[table],
        kinds={"csv", "parquet"},
        metadata={"kaggle_table": table},
    )
    def _raw_table(source: HomeCreditSource, lake: DataLake) -> dg.MaterializeResult:
        try:
            report = ingest_table(source.path, table, lake.raw_table(table))
        except IngestionError as err:
            details = {"file": err.file, "column": err.column, "row": err.row}
            raise dg.Failure(
                description=str(err),
                metadata={k: v for k, v in details.items() if v is not None},
            ) from err
        # The content's hash is the data version: downstream assets are stale only when the
        # data really changed, and the launcher compares it with the source to find changes.
        return dg.MaterializeResult(
            metadata=report_metadata(report), data_version=dg.DataVersion(report.sha256)
        )

    return _raw_table


def report_metadata(report: IngestReport) -> dict[str, dg.RawMetadataValue]:
    """What a person checks after an ingestion: size, origin, fingerprint, timings, a preview."""
    spec = schema(report.table)
    columns = [dg.TableColumn(c, d) for c, d in zip(spec.columns, spec.dtypes, strict=True)]
    return {
        "dagster/row_count": report.rows,
        "rows": report.rows,
        "columns": report.columns,
        "source_kind": report.source_kind,
        "source_path": report.source_file,
        "content_sha256": report.sha256,
        "read_seconds": round(report.read_seconds, 3),
        "write_seconds": round(report.write_seconds, 3),
        "parquet_path": dg.MetadataValue.path(str(report.target)),
        "dagster/column_schema": dg.TableSchema(columns=columns),
        "preview": dg.MetadataValue.md(report.preview),
    }


raw_tables = [raw_table_asset(table) for table in TABLES]
