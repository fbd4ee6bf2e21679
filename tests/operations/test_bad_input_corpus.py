"""Malformed input, each answered by a clear error, with nothing lost or corrupted.

API: requests a client can get wrong, sent to a real ``bentoml serve``: each is a 4xx naming the
fault, no entry reaches the prediction log, and good requests are still answered and logged.

Ingestion: files as they arrive in real life (wrong delimiter, a web page saved as CSV, spreadsheet
habits, broken archives, headers that drifted). Each case must raise ``IngestionError`` naming
the file, and the column and row when there is one, and leave the previous Parquet byte for byte.
The cases already covered in ``tests/ingest`` are not repeated here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from live_service import Service

from credit_assets import kaggle
from credit_assets.ingest import IngestionError, ingest_table

_DEFAULTS = {"int64": "0", "float64": "0.5", "object": "XNA"}


def rows(table: str, **second: str) -> list[str]:
    """A header and three valid rows of ``table``; the second row takes the given values."""
    spec = kaggle.schema(table)
    lines = [",".join(spec.columns)]
    for i in range(3):
        values = {c: _DEFAULTS[d] for c, d in zip(spec.columns, spec.dtypes, strict=True)}
        values |= {"SK_ID_CURR": str(100_002 + i), "SK_ID_BUREAU": str(5_000_000 + i)}
        values |= second if i == 1 else {}
        lines.append(",".join(values[c] for c in spec.columns))
    return lines


def text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


BUREAU = rows("bureau")
HEADER = BUREAU[0]

Build = Callable[[Path], Path]


def csv_file(content: str | bytes, name: str = "bureau.csv") -> Build:
    """A folder holding one file with ``content``."""

    def build(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        (folder / name).write_bytes(data)
        return folder

    return build


def bureau_with(**second: str) -> Build:
    return csv_file(text(rows("bureau", **second)))


def zip_of(members: dict[str, str], corrupt: bool = False) -> Build:
    """A zip archive of ``members``; ``corrupt`` flips one byte of the stored data."""

    def build(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "home-credit-default-risk.zip"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
            for name, content in members.items():
                archive.writestr(name, content)
        if corrupt:
            data = bytearray(path.read_bytes())
            data[data.find(HEADER.encode()) + len(HEADER) + 20] ^= 0xFF
            path.write_bytes(bytes(data))
        return path

    return build


def plain_file(name: str, content: str) -> Build:
    """A single file given as the source location itself."""

    def build(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content)
        return folder / name

    return build


def folder_named_like_the_table(folder: Path) -> Path:
    (folder / "bureau.csv").mkdir(parents=True)
    return folder


def empty_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    return folder


@dataclass(frozen=True)
class Case:
    name: str
    build: Build
    message: str
    column: str | None = None
    row: int | None = None
    table: str = "bureau"


MISSING_HEADER = "missing from the header"
CASES = [
    # Header: not the file it claims to be, or a header that drifted.
    Case("semicolon_delimited", csv_file(text([r.replace(",", ";") for r in BUREAU])),
         MISSING_HEADER, "SK_ID_CURR", 0),
    Case("tab_delimited", csv_file(text([r.replace(",", "\t") for r in BUREAU])),
         MISSING_HEADER, "SK_ID_CURR", 0),
    Case("web_page_saved_as_csv", csv_file("<!DOCTYPE html><html><body>404</body></html>\n"),
         MISSING_HEADER, "SK_ID_CURR", 0),
    Case("json_saved_as_csv", csv_file('[{"SK_ID_BUREAU": 5000000}]\n'),
         MISSING_HEADER, "SK_ID_CURR", 0),
    Case("byte_order_mark_only", csv_file("\ufeff"), MISSING_HEADER, "SK_ID_CURR", 0),
    Case("extra_column", csv_file(text([BUREAU[0] + ",EXTRA"] + [r + ",1" for r in BUREAU[1:]])),
         "not a column of this Kaggle table", "EXTRA", 0),
    Case("lower_case_header", csv_file(text([HEADER.lower(), *BUREAU[1:]])),
         "found 'sk_id_curr' instead", "SK_ID_CURR", 0),
    Case("trailing_space_in_a_name",
         csv_file(text([HEADER.replace("DAYS_CREDIT,", "DAYS_CREDIT ,"), *BUREAU[1:]])),
         "found 'DAYS_CREDIT ' instead", "DAYS_CREDIT", 0),
    Case("utf16_export", csv_file(text(BUREAU).encode("utf-16")), "not UTF-8 text", None, 0),
    Case("test_file_with_a_target",
         csv_file(text(rows("application_train")), "application_test.csv"),
         "not a column of this Kaggle table", "TARGET", 0, "application_test"),
    # Rows: shapes and values a spreadsheet or a concatenation leaves behind.
    Case("row_with_two_extra_fields", csv_file(text([*BUREAU[:2], BUREAU[2] + ",7,8", BUREAU[3]])),
         "19 fields instead of 17", None, 2),
    Case("header_repeated_mid_file", csv_file(text([*BUREAU[:3], HEADER, BUREAU[3]])),
         "'SK_ID_CURR' is not a number", "SK_ID_CURR", 3),
    Case("row_of_empty_fields", csv_file(text([*BUREAU[:2], "," * HEADER.count(","), *BUREAU[2:]])),
         "missing id", "SK_ID_CURR", 2),
    Case("thousands_separator", bureau_with(AMT_CREDIT_SUM='"1,234.5"'),
         "'1,234.5' is not a number", "AMT_CREDIT_SUM", 2),
    Case("decimal_comma", bureau_with(AMT_CREDIT_SUM='"0,5"'),
         "'0,5' is not a number", "AMT_CREDIT_SUM", 2),
    Case("integer_overflow", bureau_with(DAYS_CREDIT="99999999999999999999"),
         "is not a whole number", "DAYS_CREDIT", 2),
    Case("date_instead_of_days", bureau_with(DAYS_CREDIT="2018-01-01"),
         "'2018-01-01' is not a number", "DAYS_CREDIT", 2),
    Case("boolean_text_in_an_integer", bureau_with(DAYS_CREDIT="True"),
         "'True' is not a number", "DAYS_CREDIT", 2),
    Case("line_break_inside_a_number", bureau_with(DAYS_CREDIT='"1\n2"'),
         "is not a number", "DAYS_CREDIT", 2),
    Case("target_as_text",
         csv_file(text(rows("application_train", TARGET="yes")), "application_train.csv"),
         "'yes' is not a number", "TARGET", 2, "application_train"),
    # Sources and archives.
    Case("zip_without_the_table", zip_of({"application_test.csv": "x\n"}), "file not found in"),
    Case("zip_with_a_bad_crc", zip_of({"bureau.csv": text(BUREAU)}, corrupt=True),
         "cannot read or decompress"),
    Case("zip_nested_two_folders_deep", zip_of({"a/b/bureau.csv": text(BUREAU)}),
         "file not found in"),
    Case("gz_name_plain_text", csv_file(text(BUREAU), "bureau.csv.gz"),
         "cannot read or decompress"),
    Case("gz_of_nothing", csv_file(gzip.compress(b""), "bureau.csv.gz"), "empty file (0 bytes)"),
    Case("source_is_a_text_file", plain_file("notes.txt", "hello"), "not a readable zip archive"),
    Case("source_is_the_csv_itself", plain_file("bureau.csv", text(BUREAU)),
         "not a readable zip archive"),
    Case("empty_folder", empty_folder, "file not found"),
    Case("folder_named_like_the_table", folder_named_like_the_table, "file not found"),
]  # fmt: skip


def previous_parquet(tmp_path: Path, table: str) -> Path:
    """A good Parquet copy of ``table``, as an earlier ingestion left it."""
    source = tmp_path / "good"
    source.mkdir()
    (source / f"{table}.csv").write_text(text(rows(table)))
    target = tmp_path / "lake" / "raw" / f"{table}.parquet"
    ingest_table(source, table, target)
    return target


def assert_rejected_and_nothing_lost(case: Case, tmp_path: Path) -> None:
    target = previous_parquet(tmp_path, case.table)
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    location = case.build(tmp_path / "incoming")
    with pytest.raises(IngestionError) as caught:
        ingest_table(location, case.table, target)
    error = caught.value
    assert case.message in error.reason
    assert (error.column, error.row) == (case.column, case.row)
    assert case.table in str(error) or str(location) in str(error)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_ingestion_input(case: Case, tmp_path: Path) -> None:
    assert_rejected_and_nothing_lost(case, tmp_path)


def test_classic_mac_line_ends_are_read_like_any_other(tmp_path: Path) -> None:
    """CR-only line ends (old Mac OS, some spreadsheet exports) are a line end like LF: every row
    arrives, and the previous Parquet is replaced by exactly what the LF file gives."""
    target = previous_parquet(tmp_path, "bureau")
    expected = pq.read_table(target)
    location = csv_file(text(rows("bureau", AMT_CREDIT_SUM='"1234.5"')).replace("\n", "\r"))
    report = ingest_table(location(tmp_path / "incoming"), "bureau", target)
    data = pq.read_table(target)
    assert report.rows == data.num_rows == len(BUREAU) - 1
    assert data.column("AMT_CREDIT_SUM").to_pylist() == [0.5, 1234.5, 0.5]
    unchanged = [c for c in data.column_names if c != "AMT_CREDIT_SUM"]
    assert data.select(unchanged).equals(expected.select(unchanged))


# API: malformed requests to a real `bentoml serve` (see conftest.py), beyond the field-level
# cases of tests/serving. Each must be a 4xx naming what is wrong, log nothing, and leave the
# service answering and logging good requests.

APPLICATION = {
    "AMT_INCOME_TOTAL": 135_000.0,
    "AMT_CREDIT": 513_531.0,
    "AMT_ANNUITY": 24_835.5,
    "DAYS_BIRTH": -12_005,
}
JSON = {"content-type": "application/json"}
CREDIT = {"SK_ID_BUREAU": 5_000_001, "CREDIT_ACTIVE": "Closed", "DAYS_CREDIT": -700}


def _json(body: object) -> bytes:
    return json.dumps(body).encode()


def _with_history(history: object, application: Mapping[str, object] = APPLICATION) -> bytes:
    return _json({"application": application, "history": history})


@dataclass(frozen=True)
class Call:
    name: str
    body: bytes
    status: int
    says: str
    path: str = "/predict"
    method: str = "POST"


CALLS = [
    Call("empty_body", b"", 400, "give exactly one of sk_id_curr or application"),
    Call("json_array", b"[]", 400, "Input should be an object"),
    Call("json_null", b"null", 400, "Input should be an object"),
    Call("json_string", b'"score me"', 400, "Input should be an object"),
    Call("nesting_100k_deep", b"[" * 100_000 + b"]" * 100_000, 400, "recursion limit"),
    Call("latin1_body", '{"application": {"CODE_GENDER": "é"}}'.encode("latin-1"), 400,
         "invalid unicode"),
    Call("id_in_exponent_notation", b'{"sk_id_curr": 1e5}', 400, "valid integer"),
    Call("duplicate_key_last_wins", b'{"sk_id_curr": 100001, "sk_id_curr": "x"}', 400,
         "valid integer"),
    Call("id_beyond_int64", b'{"sk_id_curr": 9223372036854775808}', 404,
         "unknown SK_ID_CURR 9223372036854775808"),
    Call("amount_overflowing_to_infinity",
         _json({"application": APPLICATION}).replace(b"135000.0", b"1e309"), 400,
         "finite number"),
    Call("integer_field_given_a_float", _json({"application": APPLICATION | {"DAYS_BIRTH": -1.0}}),
         400, "valid integer"),
    Call("nul_inside_a_category",
         _json({"application": APPLICATION | {"NAME_CONTRACT_TYPE": "Cash\u0000loans"}}), 400,
         "unknown value"),
    Call("ten_thousand_character_category",
         _json({"application": APPLICATION | {"NAME_CONTRACT_TYPE": "x" * 10_000}}), 400,
         "at most 100 characters"),
    Call("batch_of_1001_applications", _json({"applications": [APPLICATION] * 1001}), 400,
         "at most 1000 items", "/predict_batch"),
    Call("null_id_in_a_batch", b'{"sk_id_curr": [null]}', 400, "valid integer", "/predict_batch"),
    Call("explain_without_required_fields", _json({"application": {"AMT_CREDIT": 1.0}}), 400,
         "Field required", "/explain"),
    Call("history_with_a_known_id", _json({"sk_id_curr": 100002, "history": {}}), 400,
         "history goes with application only"),
    Call("history_of_another_client",
         _with_history({"bureau": [CREDIT | {"SK_ID_CURR": 100003}]},
                       APPLICATION | {"SK_ID_CURR": 100002}), 400,
         "row of another client: SK_ID_CURR 100003 is not 100002"),
    Call("history_rows_of_two_clients",
         _with_history({"bureau": [CREDIT | {"SK_ID_CURR": 1}],
                        "previous_application": [{"SK_ID_PREV": 1, "SK_ID_CURR": 2}]}), 400,
         "row of another client: SK_ID_CURR 2 is not 1"),
    Call("monthly_status_of_a_credit_not_sent",
         _with_history({"bureau": [CREDIT],
                        "bureau_balance": [{"SK_ID_BUREAU": 5_000_002, "MONTHS_BALANCE": -3}]}),
         400, "SK_ID_BUREAU 5000002 is not among the bureau rows' credits"),
    Call("history_table_misspelt", _with_history({"Bureau": [CREDIT]}), 400,
         "Extra inputs are not permitted"),
    Call("history_row_missing_its_key", _with_history({"POS_CASH_balance": [{"SK_DPD": 0}]}), 400,
         "Field required"),
    Call("history_days_ahead_of_a_past_event",
         _with_history({"previous_application": [{"SK_ID_PREV": 1, "DAYS_DECISION": 30}]}), 400,
         "must be between -54900 and 0 days"),
    Call("history_amount_as_text",
         _with_history({"bureau": [CREDIT | {"AMT_CREDIT_SUM": "12 000"}]}), 400,
         "valid number"),
    Call("history_status_in_lower_case",
         _with_history({"bureau_balance": [], "bureau": [CREDIT | {"CREDIT_ACTIVE": "closed"}]}),
         400, "unknown value 'closed'"),
    Call("history_repeated_previous_application",
         _with_history({"previous_application": [{"SK_ID_PREV": 7}, {"SK_ID_PREV": 7}]}), 400,
         "7 repeats row 0"),
    Call("history_over_the_row_limit",
         _with_history({"previous_application": [{"SK_ID_PREV": i} for i in range(501)]}), 400,
         "at most 500 items"),
    Call("histories_not_one_per_application",
         _json({"applications": [APPLICATION] * 2, "histories": [None]}), 400,
         "1 histories for 2 applications", "/predict_batch"),
    Call("get_on_predict", b"", 405, "Method Not Allowed", method="GET"),
    Call("unknown_route", b"{}", 404, "Not Found", "/score"),
]  # fmt: skip


@pytest.fixture(scope="module")
def api(service: Service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=60) as client:
        yield client


def logged(service: Service, expected: int | None = None) -> int:
    """The entries in the service's log once its writer has settled: ``expected`` of them (or
    what is there after 5 s), or, without ``expected``, a count that stayed the same for 0.1 s
    (the service writes its log a few milliseconds behind its answers)."""
    deadline, last, since = time.monotonic() + 5, _count(service), time.monotonic()
    while time.monotonic() < deadline and last != expected:
        if expected is None and time.monotonic() - since >= 0.1:
            break
        time.sleep(0.02)
        now = _count(service)
        if now != last:
            last, since = now, time.monotonic()
    return last


def _count(service: Service) -> int:
    if not service.log.exists():
        return 0
    with sqlite3.connect(service.log) as connection:
        try:
            return connection.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
        except sqlite3.OperationalError as error:
            # The service's first write has created the file and not yet its table (CI, once).
            if "no such table" not in str(error):
                raise
            return 0


@pytest.mark.slow
@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
def test_malformed_request(call: Call, api: httpx.Client, service: Service) -> None:
    before = logged(service)
    answer = api.request(call.method, call.path, content=call.body, headers=JSON)
    assert answer.status_code == call.status
    assert call.says in answer.text
    assert logged(service) == before


@pytest.mark.slow
def test_a_chunked_body_over_the_cap_is_refused(api: httpx.Client, service: Service) -> None:
    before = logged(service)
    oversized = iter([b'{"sk_id_curr": [1]}', b" " * (9 * 1024 * 1024)])
    answer = api.post("/predict_batch", content=oversized, headers=JSON)
    assert "content-length" not in answer.request.headers
    assert answer.status_code == 413 and "split the batch" in answer.json()["error"]
    assert logged(service) == before


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/predict", "/predict_batch", "/explain"])
def test_a_form_or_multipart_body_is_a_415_naming_json(
    path: str, api: httpx.Client, service: Service
) -> None:
    before = logged(service)
    form = api.post(path, data={"sk_id_curr": str(service.ids[0])})
    multipart = api.post(path, files={"sk_id_curr": ("id.json", b"100002", "application/json")})
    for answer in (form, multipart):
        assert answer.status_code == 415
        assert "send the body as application/json" in answer.json()["error"]
    assert logged(service) == before


@pytest.mark.slow
def test_after_the_corpus_good_requests_are_answered_and_logged(
    api: httpx.Client, service: Service
) -> None:
    before = logged(service)
    one = api.post("/predict", json={"sk_id_curr": service.ids[0]})
    new = api.post("/predict", json={"application": APPLICATION})
    batch = api.post("/predict_batch", json={"sk_id_curr": service.ids[1:4]})
    history = {"bureau": [CREDIT], "bureau_balance": [{"SK_ID_BUREAU": 5_000_001, "STATUS": "C"}]}
    known = api.post("/predict", json={"application": APPLICATION, "history": history})
    answers = [one, new, batch, known]
    assert [a.status_code for a in answers] == [200] * 4
    assert logged(service, expected=before + 6) == before + 1 + 1 + 3 + 1
    with sqlite3.connect(service.log) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
