"""The one place that parses Kaggle CSV bytes with pyarrow: options, types, hashing."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import IO, Any

import pyarrow as pa
import pyarrow.csv as pacsv

from credit_assets import kaggle
from credit_assets.ingest.source import TableFile

ARROW_TYPES = {"int64": pa.int64(), "float64": pa.float64(), "object": pa.string()}
# What pd.read_csv reads as missing (the format's own list, shared with the service). Quoted or
# not, they are missing.
NULL_VALUES = list(kaggle.MISSING_TEXT)
BLOCK_SIZE = 4 << 20


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema ingestion produces for a Kaggle table, in Kaggle column order."""
    spec = kaggle.schema(table)
    return pa.schema([(c, ARROW_TYPES[d]) for c, d in zip(spec.columns, spec.dtypes, strict=True)])


def read_csv(
    file: TableFile,
    schema: pa.Schema,
    on_invalid_row: Callable[[Any], str] | None = None,
) -> tuple[pa.Table, str]:
    """Parse the CSV with the schema's column types, multithreaded.

    Args:
        file: The CSV to read.
        schema: Column names and types; the result has its column order.
        on_invalid_row: Called with each row of the wrong width; returns "skip" or "error".

    Returns:
        The table and the SHA-256 of the (decompressed) CSV bytes.

    Raises:
        pyarrow.ArrowInvalid: A value does not convert or a row is malformed.
        IngestionError: The bytes cannot be read or decompressed.
    """
    convert = pacsv.ConvertOptions(
        column_types=schema,
        null_values=NULL_VALUES,
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        include_columns=schema.names,
    )
    digest = hashlib.sha256()
    with file.open() as stream:
        data = pacsv.read_csv(
            _HashingReader(stream, digest),
            read_options=pacsv.ReadOptions(block_size=BLOCK_SIZE),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid_row),
            convert_options=convert,
        )
    return data, digest.hexdigest()


class _HashingReader(io.RawIOBase):
    """Hashes the bytes as pyarrow pulls them, so the file is read only once."""

    def __init__(self, stream: IO[bytes], digest: Any) -> None:
        self._stream = stream
        self._digest = digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._stream.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self._digest.update(chunk)
        return len(chunk)
