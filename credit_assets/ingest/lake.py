"""Write ingested tables to the lake as Parquet, atomically, and report what was written."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from credit_assets.ingest.read import read_table
from credit_assets.ingest.source import SourceFiles, SourceKind, locate_source

PREVIEW_ROWS = 5


@dataclass(frozen=True)
class IngestReport:
    """What one ingestion read and wrote: the numbers a person looks for."""

    table: str
    rows: int
    columns: int
    source_kind: SourceKind
    source_file: str
    sha256: str
    read_seconds: float
    write_seconds: float
    target: Path
    preview: str


def ingest_table(source: SourceFiles | Path | str, table: str, target: Path) -> IngestReport:
    """Read one Kaggle table from a source and replace its Parquet copy at ``target``.

    Args:
        source: A located source, or the folder / zip to locate.
        table: The Kaggle table name (``bureau``, ``POS_CASH_balance``, ...).
        target: The Parquet file to write; left untouched when anything fails.

    Raises:
        IngestionError: The table is missing or invalid (see ``read_table``).
    """
    files = source if isinstance(source, SourceFiles) else locate_source(source)
    file = files.file(table)
    read = read_table(file)
    started = time.perf_counter()
    write_parquet_atomic(read.data, target)
    return IngestReport(
        table=table,
        rows=read.data.num_rows,
        columns=read.data.num_columns,
        source_kind=files.kind,
        source_file=str(file),
        sha256=read.sha256,
        read_seconds=read.seconds,
        write_seconds=time.perf_counter() - started,
        target=target,
        preview=preview_markdown(read.data),
    )


def write_parquet_atomic(data: pa.Table, target: Path) -> None:
    """Write Parquet next to ``target`` under a temporary name, then rename it into place.

    A rename within one folder is atomic, so readers see the old file or the new one, never
    half of one, and a failure leaves the previous file as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(data, temporary, compression="zstd")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def preview_markdown(data: pa.Table, rows: int = PREVIEW_ROWS) -> str:
    """The first rows of a table as a Markdown table (missing values left blank)."""
    header = "| " + " | ".join(data.column_names) + " |"
    rule = "|" + "---|" * data.num_columns
    lines = [header, rule]
    for record in data.slice(0, rows).to_pylist():
        cells = ("" if v is None else str(v).replace("|", "\\|") for v in record.values())
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
