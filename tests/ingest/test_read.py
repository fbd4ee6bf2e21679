"""Reading one table: the schema is enforced and every bad input fails with a clear error."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import re
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from credit_assets.ingest import IngestionError, TableFile, locate_source, read_table
from credit_assets.ingest.csvfile import arrow_schema
from credit_assets.ingest.lenient import line_ends
from credit_assets.kaggle import SIDE_TABLES, TABLES, schema

Rows = Callable[[str], list[dict[str, object]]]
Writer = Callable[..., Path]


def _read(path: Path, table: str) -> pa.Table:
    return read_table(TableFile(table, path)).data


def _failure(path: Path, table: str) -> IngestionError:
    with pytest.raises(IngestionError) as caught:
        read_table(TableFile(table, path))
    assert str(path) in str(caught.value), "the message names the file"
    return caught.value


def _replace_line(path: Path, line: int, text: bytes) -> None:
    lines = path.read_bytes().split(b"\n")
    lines[line] = text
    path.write_bytes(b"\n".join(lines))


def test_every_table_has_the_kaggle_types_and_order(tiny_source: Path) -> None:
    source = locate_source(tiny_source)
    for table in TABLES:
        data = read_table(source.file(table)).data
        assert data.schema == arrow_schema(table)
        assert data.column_names == list(schema(table).columns)
        assert data.num_rows > 0


@pytest.mark.parametrize("table", SIDE_TABLES)
def test_header_only_side_table_is_a_valid_empty_table(
    tmp_path: Path, write_table: Writer, table: str
) -> None:
    data = _read(write_table(tmp_path, table, rows=[]), table)
    assert data.num_rows == 0
    assert data.schema == arrow_schema(table)


def test_header_without_line_end(tmp_path: Path) -> None:
    path = tmp_path / "bureau_balance.csv"
    path.write_bytes(b"SK_ID_BUREAU,MONTHS_BALANCE,STATUS")
    assert _read(path, "bureau_balance").num_rows == 0


def test_zero_byte_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bureau.csv"
    path.write_bytes(b"")
    assert "empty file (0 bytes)" in str(_failure(path, "bureau"))


def test_missing_column_is_named(tmp_path: Path, write_table: Writer) -> None:
    path = write_table(tmp_path, "bureau_balance")
    text = path.read_text().replace(",STATUS\n", "\n", 1)
    path.write_text(re.sub(r",[CX0]\n", "\n", text))
    error = _failure(path, "bureau_balance")
    assert error.column == "STATUS"
    assert "missing from the header" in str(error)


def test_renamed_column_gets_a_hint(tmp_path: Path, write_table: Writer) -> None:
    path = write_table(tmp_path, "bureau")
    path.write_text(path.read_text().replace("SK_ID_BUREAU", "SK_BUREAU_ID", 1))
    error = _failure(path, "bureau")
    assert error.column == "SK_ID_BUREAU"
    assert "found 'SK_BUREAU_ID' instead (renamed?)" in str(error)


def test_pandas_index_column_gets_a_hint(tmp_path: Path, write_table: Writer) -> None:
    path = write_table(tmp_path, "bureau_balance")
    lines = path.read_text().splitlines()
    path.write_text("\n".join(f"{i or ''},{line}" for i, line in enumerate(lines)) + "\n")
    assert "index=False" in str(_failure(path, "bureau_balance"))


def test_duplicate_header_column(tmp_path: Path) -> None:
    path = tmp_path / "bureau_balance.csv"
    path.write_text("SK_ID_BUREAU,MONTHS_BALANCE,STATUS,STATUS\n1,0,C,C\n")
    error = _failure(path, "bureau_balance")
    assert (error.column, error.row) == ("STATUS", 0)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("AMT_CREDIT_SUM", "abc", "'abc' is not a number (expected float64)"),
        ("DAYS_CREDIT", "12 days", "'12 days' is not a number (expected int64)"),
        ("CNT_CREDIT_PROLONG", "1.5", "'1.5' is not a whole number (expected int64)"),
    ],
)
def test_bad_number_names_column_row_and_value(
    tmp_path: Path, write_table: Writer, tiny_rows: Rows, column: str, value: str, reason: str
) -> None:
    rows = tiny_rows("bureau")
    rows[6][column] = value
    error = _failure(write_table(tmp_path, "bureau", rows), "bureau")
    assert (error.column, error.row) == (column, 7)
    assert f"column '{column}', row 7 (line 8): {reason}" in str(error)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("application_train", "SK_ID_CURR"),
        ("application_test", "SK_ID_CURR"),
        ("bureau", "SK_ID_BUREAU"),
        ("previous_application", "SK_ID_PREV"),
    ],
)
def test_duplicate_key(
    tmp_path: Path, write_table: Writer, tiny_rows: Rows, table: str, key: str
) -> None:
    rows = tiny_rows(table)
    rows[4][key] = rows[1][key]
    error = _failure(write_table(tmp_path, table, rows), table)
    assert (error.column, error.row) == (key, 5)
    assert f"duplicate key {rows[1][key]} (first at row 2)" in str(error)


def test_missing_id(tmp_path: Path, write_table: Writer, tiny_rows: Rows) -> None:
    rows = tiny_rows("installments_payments")
    rows[3]["SK_ID_PREV"] = None
    error = _failure(write_table(tmp_path, "installments_payments", rows), "installments_payments")
    assert (error.column, error.row) == ("SK_ID_PREV", 4)


def test_non_utf8_bytes_name_offset_and_row(tmp_path: Path, write_table: Writer) -> None:
    path = write_table(tmp_path, "previous_application")
    data = path.read_bytes().replace(b"XAP", b"caf\xe9", 3)
    path.write_bytes(data)
    offset = data.index(b"\xe9")
    error = _failure(path, "previous_application")
    assert error.row == 1
    assert f"byte 0xe9 at offset {offset}" in str(error)


def test_latin1_header(tmp_path: Path) -> None:
    path = tmp_path / "bureau_balance.csv"
    path.write_bytes(b"SK_ID_BUREAU,MONTHS_BALANCE,STAT\xc9S\n1,0,C\n")
    assert "header (line 1): not UTF-8 text: byte 0xc9 at offset 32" in str(
        _failure(path, "bureau_balance")
    )


def test_truncated_file(tmp_path: Path, write_table: Writer) -> None:
    path = write_table(tmp_path, "bureau_balance")
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b",")])
    error = _failure(path, "bureau_balance")
    assert error.row == 60
    assert "malformed row: 2 fields instead of 3" in str(error)


def test_short_row_in_the_middle(tmp_path: Path, write_table: Writer) -> None:
    path = write_table(tmp_path, "POS_CASH_balance")
    _replace_line(path, 10, b"2000004,100006,-1")
    assert _failure(path, "POS_CASH_balance").row == 10


def test_unterminated_quote(tmp_path: Path, write_table: Writer) -> None:
    path = write_table(tmp_path, "bureau_balance")
    _replace_line(path, 5, b'5000001,-1,"C')
    error = _failure(path, "bureau_balance")
    assert (error.column, error.row) == ("STATUS", 5)
    assert "unterminated quote" in str(error)


def test_truncated_gzip(tmp_path: Path, write_table: Writer) -> None:
    plain = write_table(tmp_path, "bureau")
    packed = gzip.compress(plain.read_bytes())
    path = tmp_path / "bureau.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    assert "cannot read or decompress" in str(_failure(path, "bureau"))


def test_r_style_file(tmp_path: Path) -> None:
    """R's write.csv: every string quoted, NA for missing, whole numbers as 1e+05 or 2.0."""
    path = tmp_path / "bureau.csv"
    columns = schema("bureau").columns
    values = {
        "SK_ID_CURR": "1e+05",
        "SK_ID_BUREAU": "5000000",
        "CREDIT_ACTIVE": '"Closed"',
        "CREDIT_CURRENCY": '""',
        "DAYS_CREDIT": "-2.0",
        "AMT_ANNUITY": "NA",
        "CREDIT_TYPE": '"Consumer credit, other"',
    }
    header = ",".join(f'"{c}"' for c in columns)
    line = ",".join(values.get(c, "0") for c in columns)
    path.write_text(f"{header}\n{line}\n")
    row = _read(path, "bureau").to_pylist()[0]
    assert row["SK_ID_CURR"] == 100_000
    assert row["DAYS_CREDIT"] == -2
    assert row["CREDIT_ACTIVE"] == "Closed"
    assert row["CREDIT_CURRENCY"] is None
    assert row["AMT_ANNUITY"] is None
    assert row["CREDIT_TYPE"] == "Consumer credit, other"


def test_placeholders_stay_categories_and_missing_ints_stay_ints(
    tmp_path: Path, write_table: Writer, tiny_rows: Rows
) -> None:
    rows = tiny_rows("previous_application")
    rows[0]["SELLERPLACE_AREA"] = None
    data = _read(write_table(tmp_path, "previous_application", rows), "previous_application")
    assert set(data["NAME_CASH_LOAN_PURPOSE"].to_pylist()) == {"XAP"}
    assert set(data["NAME_CONTRACT_TYPE"].to_pylist()) == {"XNA"}
    assert data.schema.field("SELLERPLACE_AREA").type == pa.int64()
    assert data["SELLERPLACE_AREA"].null_count == 1


def test_bom_crlf_and_column_order_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bureau_balance.csv"
    path.write_bytes(b"\xef\xbb\xbfSTATUS,SK_ID_BUREAU,MONTHS_BALANCE\r\nX,5000000,-3\r\nC,1,0\r\n")
    data = _read(path, "bureau_balance")
    assert data.column_names == ["SK_ID_BUREAU", "MONTHS_BALANCE", "STATUS"]
    assert data.to_pylist()[0] == {"SK_ID_BUREAU": 5_000_000, "MONTHS_BALANCE": -3, "STATUS": "X"}


LINE_ENDS = pytest.mark.parametrize("end", [b"\r", b"\r\n", b"\n"], ids=["cr", "crlf", "lf"])


def _with_line_ends(path: Path, end: bytes) -> Path:
    """The file the csv module wrote (CRLF), rewritten with ``end`` after every line."""
    path.write_bytes(path.read_bytes().replace(b"\r\n", end))
    return path


@LINE_ENDS
def test_every_line_end_convention_reads_the_same_table(
    tmp_path: Path, write_table: Writer, tiny_rows: Rows, end: bytes
) -> None:
    table = "application_train"  # quoted "Stone, brick", missing values, the sentinel
    reference = _read(write_table(tmp_path / "reference", table), table)
    path = _with_line_ends(write_table(tmp_path, table), end)
    data = _read(path, table)
    assert data.num_rows == len(tiny_rows(table)) and data.equals(reference)


@LINE_ENDS
def test_header_only_with_any_line_end_is_empty(tmp_path: Path, end: bytes) -> None:
    path = tmp_path / "bureau_balance.csv"
    path.write_bytes(b"SK_ID_BUREAU,MONTHS_BALANCE,STATUS" + end)
    assert _read(path, "bureau_balance").num_rows == 0


@LINE_ENDS
def test_faults_in_a_file_with_any_line_end_name_their_row(
    tmp_path: Path, write_table: Writer, tiny_rows: Rows, end: bytes
) -> None:
    rows = tiny_rows("bureau_balance")
    rows[6]["MONTHS_BALANCE"] = "soon"
    path = _with_line_ends(write_table(tmp_path, "bureau_balance", rows), end)
    error = _failure(path, "bureau_balance")
    assert (error.column, error.row) == ("MONTHS_BALANCE", 7)

    path = _with_line_ends(write_table(tmp_path, "bureau_balance"), end)
    lines = path.read_bytes().split(end)
    lines[9] = b"5000003,-1"
    path.write_bytes(end.join(lines))
    error = _failure(path, "bureau_balance")
    assert error.row == 9 and "2 fields instead of 3" in error.reason

    lines[9] = b'5000003,-1,"C'
    path.write_bytes(end.join(lines))
    error = _failure(path, "bureau_balance")
    assert (error.column, error.row) == ("STATUS", 9) and "unterminated quote" in error.reason

    lines[9] = b"5000003,-1,\xe9"
    path.write_bytes(end.join(lines))
    error = _failure(path, "bureau_balance")
    assert error.row == 9 and "not UTF-8 text: byte 0xe9" in error.reason


@pytest.mark.parametrize(
    ("data", "after_cr", "expected"),
    [
        (b"a\nb\r\nc\rd", False, 3),
        (b"\r\r\n\n", False, 3),
        (b"\nx", True, 0),  # the LF completes a CRLF split across two reads
        (b"\nx", False, 1),
        (b"", True, 0),
    ],
)
def test_line_ends_are_counted_across_reads(data: bytes, after_cr: bool, expected: int) -> None:
    assert line_ends(data, after_cr) == expected


def test_content_hash_is_of_the_csv_bytes(tmp_path: Path, write_table: Writer) -> None:
    path = write_table(tmp_path, "bureau")
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_table(TableFile("bureau", path)).sha256 == expected


def test_error_survives_pickling_with_its_fields() -> None:
    error = IngestionError("bureau.csv", "bad", column="DAYS_CREDIT", row=3)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.file, copy.column, copy.row, str(copy)) == (
        "bureau.csv",
        "DAYS_CREDIT",
        3,
        "bureau.csv, column 'DAYS_CREDIT', row 3 (line 4): bad",
    )
