"""Raw Kaggle tables as Polars LazyFrames, straight from CSV, for benchmarks and notebooks.

The pipeline reads the raw Parquet layer instead (``defs/features/assets.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import polars as pl

from credit_assets.ingest import locate_source, read_table
from credit_assets.kaggle import TABLES, schema

POLARS_TYPES = {"int64": pl.Int64, "float64": pl.Float64, "object": pl.String}


def kaggle_types(table: str) -> dict[str, pl.DataType]:
    """The Polars type of every column of a Kaggle table (``object`` columns are strings)."""
    spec = schema(table)
    return {c: POLARS_TYPES[d] for c, d in zip(spec.columns, spec.dtypes, strict=True)}


def scan_csvs(data: Path) -> dict[str, pl.LazyFrame]:
    """Lazy scans of the Kaggle CSVs with their Kaggle types (``.csv.gz`` is read eagerly)."""
    tables = {}
    for table in TABLES:
        plain = data / f"{table}.csv"
        if plain.exists():
            tables[table] = pl.scan_csv(plain, schema_overrides=kaggle_types(table))
        else:
            gz = data / f"{table}.csv.gz"
            tables[table] = pl.read_csv(gz, schema_overrides=kaggle_types(table)).lazy()
    return tables


class IngestedTables(Mapping[str, pl.LazyFrame]):
    """Kaggle tables read on access by the raw layer's reader (``credit_assets.ingest``), with
    its checks; nothing is kept, so only the tables in use are in memory."""

    def __init__(self, data: Path) -> None:
        self._files = locate_source(data)

    def __getitem__(self, table: str) -> pl.LazyFrame:
        # Left in the reader's chunks: every feature group copies what it uses anyway.
        frame = pl.from_arrow(read_table(self._files.file(table)).data, rechunk=False)
        if not isinstance(frame, pl.DataFrame):
            raise TypeError(f"{table} did not read as a table")
        return frame.lazy()

    def __iter__(self) -> Iterator[str]:
        return iter(TABLES)

    def __len__(self) -> int:
        return len(TABLES)
