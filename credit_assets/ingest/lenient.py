"""The slow path, run only when the typed read fails: find the fault or accept R's number style.

Every column is read as text, then converted one by one. Integer columns accept whole numbers
written as floats (``1.0``, ``1e+05``: R's ``write.csv`` style); anything else that does not
convert is reported with its column, data row and value.
"""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

import numpy as np
import pyarrow as pa

from credit_assets.ingest.csvfile import read_csv
from credit_assets.ingest.errors import IngestionError
from credit_assets.ingest.source import TableFile

_CHUNK = 16 << 20
_EXACT_FLOAT_INT = 2**53


def read_lenient(file: TableFile, schema: pa.Schema) -> tuple[pa.Table, str]:
    """Read a table that failed the typed read, or raise the precise reason it failed.

    Raises:
        IngestionError: Bad encoding, a malformed row, or a value of the wrong type.
    """
    check_utf8(file)
    malformed: list[Any] = []

    def skip(row: Any) -> str:
        malformed.append(row)
        return "skip"

    text_schema = pa.schema([(name, pa.string()) for name in schema.names])
    try:
        text, digest = read_csv(file, text_schema, on_invalid_row=skip)
    except pa.ArrowInvalid as err:
        raise IngestionError(str(file), f"not a readable CSV file: {err}") from err
    if malformed:
        raise malformed_row_error(file, len(schema.names), malformed[0])
    columns = [convert(str(file), text[field.name], field) for field in schema]
    return pa.Table.from_arrays(columns, schema=schema), digest


def check_utf8(file: TableFile) -> None:
    """Fail at the first byte that is not UTF-8, naming its offset and row."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    after_cr = False
    with file.open() as stream:
        while True:
            chunk = stream.read(_CHUNK)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as err:
                # The failing input is the decoder's pending bytes followed by this chunk.
                row = lines + line_ends(chunk[: max(err.start - pending, 0)], after_cr)
                position = offset - pending + err.start
                reason = f"not UTF-8 text: byte 0x{err.object[err.start]:02x} at offset {position}"
                raise IngestionError(str(file), reason, row=row) from err
            if not chunk:
                return
            offset += len(chunk)
            lines += line_ends(chunk, after_cr)
            after_cr = chunk.endswith(b"\r")


def line_ends(data: bytes, after_cr: bool = False) -> int:
    """How many line ends (LF, CRLF or a lone CR) ``data`` holds; ``after_cr``: the bytes
    before it ended in CR, so a leading LF completes that CRLF rather than ending a line."""
    joined = int(after_cr and data.startswith(b"\n"))
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") - joined


def malformed_row_error(file: TableFile, expected: int, invalid: Any) -> IngestionError:
    """The error for the first row with the wrong number of fields."""
    with file.open() as stream:
        reader = csv.reader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
        try:
            for fields in reader:
                if fields and len(fields) != expected:
                    reason = (
                        f"malformed row: {len(fields)} fields instead of {expected}"
                        " (truncated file, or a comma in an unquoted value?)"
                    )
                    return IngestionError(str(file), reason, row=reader.line_num - 1)
        except csv.Error:
            pass  # Python's parser gave up too; fall back to what pyarrow saw.
    reason = f"malformed row: {invalid.actual_columns} fields instead of {expected}"
    return IngestionError(str(file), f"{reason}: {invalid.text[:80]!r}")


def convert(file: str, text: pa.ChunkedArray, field: pa.Field) -> pa.ChunkedArray:
    """Convert one text column to its Kaggle type, or fail at its first bad value."""
    if field.type == pa.string():
        return text
    try:
        return text.cast(field.type)
    except pa.ArrowInvalid:
        pass
    try:
        numbers = text.cast(pa.float64())
    except pa.ArrowInvalid:
        row = first_failing(text, pa.float64())
        reason = f"{text[row].as_py()!r} is not a number (expected {_kaggle_dtype(field)})"
        raise IngestionError(file, reason, column=field.name, row=row + 1) from None
    if field.type == pa.float64():
        return numbers
    values = numbers.to_numpy()  # missing values become NaN, which pass
    whole = np.isnan(values) | ((np.floor(values) == values) & (np.abs(values) < _EXACT_FLOAT_INT))
    if not whole.all():
        row = int(np.argmin(whole))
        reason = f"{text[row].as_py()!r} is not a whole number (expected {_kaggle_dtype(field)})"
        raise IngestionError(file, reason, column=field.name, row=row + 1)
    return numbers.cast(field.type)


def _kaggle_dtype(field: pa.Field) -> str:
    return "int64" if field.type == pa.int64() else "float64"


def first_failing(text: pa.ChunkedArray, to: pa.DataType) -> int:
    """The index of the first value that does not cast, found by bisection within a chunk."""
    start = 0
    for chunk in text.chunks:
        if not _casts(chunk, to):
            low, high = 0, len(chunk)
            while high - low > 1:
                middle = (low + high) // 2
                if _casts(chunk.slice(low, middle - low), to):
                    low = middle
                else:
                    high = middle
            return start + low
        start += len(chunk)
    raise ValueError("every value casts")


def _casts(values: pa.Array, to: pa.DataType) -> bool:
    try:
        values.cast(to)
    except pa.ArrowInvalid:
        return False
    return True
