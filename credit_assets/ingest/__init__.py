"""Ingestion: find the Kaggle tables of a source, read them with their schema enforced, and
write them to the lake as Parquet. Plain functions; the Dagster assets wrap them."""

from credit_assets.ingest.errors import IngestionError
from credit_assets.ingest.lake import IngestReport, ingest_table, write_parquet_atomic
from credit_assets.ingest.read import TableRead, read_table
from credit_assets.ingest.source import SourceFiles, TableFile, locate_source

__all__ = [
    "IngestReport",
    "IngestionError",
    "SourceFiles",
    "TableFile",
    "TableRead",
    "ingest_table",
    "locate_source",
    "read_table",
    "write_parquet_atomic",
]
