"""Real Kaggle rows (HOME_CREDIT_REAL_DIR): original heads, R-written linked files, a zip."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pyarrow as pa
import pytest

from credit_assets.ingest import TableFile, locate_source, read_table
from credit_assets.ingest.csvfile import arrow_schema
from credit_assets.kaggle import DAYS_SENTINEL, KAGGLE_ZIP, TABLES

LINKED_TRAIN = "linked/application_train_ids_100002-100999.csv"
LINKED_PREVIOUS = "linked/previous_application_ids_100002-100998.csv"


@pytest.mark.parametrize("table", TABLES)
def test_real_heads_ingest(real_dir: Path, table: str) -> None:
    source = locate_source(real_dir / "heads")
    data = read_table(source.file(table)).data
    assert source.kind == "real"
    assert data.num_rows == 199
    assert data.schema == arrow_schema(table)


def test_r_written_application_rows_match_the_original(real_dir: Path) -> None:
    linked = read_table(TableFile("application_train", real_dir / LINKED_TRAIN)).data
    head = read_table(locate_source(real_dir / "heads").file("application_train")).data
    assert linked.num_rows == 872
    assert linked.schema == arrow_schema("application_train")
    by_id = {row["SK_ID_CURR"]: row for row in linked.to_pylist()}
    for original in head.to_pylist():
        written_by_r = by_id[original["SK_ID_CURR"]]
        for column, value in original.items():
            other = written_by_r[column]
            if isinstance(value, float):
                assert math.isclose(value, other, rel_tol=1e-12), column
            else:
                assert value == other, column


def test_r_written_values_spot_check(real_dir: Path) -> None:
    linked = read_table(TableFile("application_train", real_dir / LINKED_TRAIN)).data
    first = linked.slice(0, 1).to_pylist()[0]
    assert first["SK_ID_CURR"] == 100002
    assert first["TARGET"] == 1
    assert first["NAME_CONTRACT_TYPE"] == "Cash loans"
    assert first["AMT_CREDIT"] == 406597.5
    assert first["OWN_CAR_AGE"] is None
    assert first["WALLSMATERIAL_MODE"] == "Stone, brick"
    assert DAYS_SENTINEL in linked["DAYS_EMPLOYED"].to_pylist()


def test_r_written_previous_applications(real_dir: Path) -> None:
    data = read_table(TableFile("previous_application", real_dir / LINKED_PREVIOUS)).data
    assert data.num_rows == 4754
    assert data.schema.field("SK_ID_PREV").type == pa.int64()
    clients = data["SK_ID_CURR"].to_pylist()
    assert min(clients) >= 100002
    assert max(clients) <= 100998
    purposes = set(data["NAME_CASH_LOAN_PURPOSE"].to_pylist())
    assert {"XAP", "XNA"} <= purposes


def test_real_heads_from_the_kaggle_zip(real_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / KAGGLE_ZIP
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for table in TABLES:
            zipped.write(real_dir / "heads" / f"{table}.csv", f"{table}.csv")
    from_zip = locate_source(archive)
    from_folder = locate_source(real_dir / "heads")
    for table in TABLES:
        zipped_read = read_table(from_zip.file(table))
        folder_read = read_table(from_folder.file(table))
        assert zipped_read.data.equals(folder_read.data)
        assert zipped_read.sha256 == folder_read.sha256


def test_real_gzipped_sample(real_dir: Path) -> None:
    sample = real_dir / "samples" / "application_train_every10th.csv.gz"
    data = read_table(TableFile("application_train", sample)).data
    assert data.num_rows == 30_752
    defaults = sum(data["TARGET"].to_pylist())
    assert defaults / data.num_rows == pytest.approx(0.0796, abs=0.0005)
