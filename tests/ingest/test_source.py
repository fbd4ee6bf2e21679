"""Finding the tables of a folder or zip source, and telling synthetic from real data."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest

from credit_assets.ingest import IngestionError, locate_source, read_table
from credit_assets.kaggle import KAGGLE_ZIP, TABLES


def _zip(
    folder: Path, target: Path, prefix: str = "", extra: dict[str, bytes] | None = None
) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
        for name, data in (extra or {}).items():
            archive.writestr(prefix + name, data)
    return target


def test_folder_of_csvs_is_real_and_complete(tiny_source: Path) -> None:
    found = locate_source(tiny_source)
    assert found.kind == "real"
    assert set(found.tables) == set(TABLES)
    assert found.file("bureau").path == tiny_source / "bureau.csv"


@pytest.mark.parametrize("marker", ["SYNTHETIC.md", "_truth"])
def test_generator_markers_make_a_folder_synthetic(tiny_source: Path, marker: str) -> None:
    if marker == "_truth":
        (tiny_source / marker).mkdir()
    else:
        (tiny_source / marker).write_text("generated")
    assert locate_source(tiny_source).kind == "synthetic"


def test_gzipped_csv_is_read(tiny_source: Path) -> None:
    plain = tiny_source / "bureau.csv"
    (tiny_source / "bureau.csv.gz").write_bytes(gzip.compress(plain.read_bytes()))
    expected = read_table(locate_source(tiny_source).file("bureau")).data
    plain.unlink()
    file = locate_source(tiny_source).file("bureau")
    assert file.path.name == "bureau.csv.gz"
    assert read_table(file).data.equals(expected)


@pytest.mark.parametrize("prefix", ["", "home-credit-default-risk/"])
def test_kaggle_zip_with_tables_at_top_or_in_one_folder(
    tiny_source: Path, tmp_path: Path, prefix: str
) -> None:
    archive = _zip(tiny_source, tmp_path / KAGGLE_ZIP, prefix)
    found = locate_source(archive)
    assert found.kind == "real"
    assert set(found.tables) == set(TABLES)
    file = found.file("POS_CASH_balance")
    assert file.member == f"{prefix}POS_CASH_balance.csv"
    from_folder = read_table(locate_source(tiny_source).file("POS_CASH_balance"))
    from_zip = read_table(file)
    assert from_zip.data.equals(from_folder.data)
    assert from_zip.sha256 == from_folder.sha256


def test_folder_holding_the_kaggle_zip(tiny_source: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    _zip(tiny_source, downloads / KAGGLE_ZIP)
    assert locate_source(downloads).file("bureau").member == "bureau.csv"


def test_zipped_csv_members_inside_the_zip(tiny_source: Path, tmp_path: Path) -> None:
    nested = {}
    for path in tiny_source.iterdir():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as inner:
            inner.write(path, path.name)
        nested[f"{path.name}.zip"] = buffer.getvalue()
    empty = tmp_path / "empty"
    empty.mkdir()
    archive = _zip(empty, tmp_path / KAGGLE_ZIP, extra=nested)
    file = locate_source(archive).file("installments_payments")
    assert file.member == "installments_payments.csv.zip"
    assert read_table(file).data.num_rows == 50


def test_synthetic_marker_inside_a_zip(tiny_source: Path, tmp_path: Path) -> None:
    archive = _zip(tiny_source, tmp_path / "synthetic.zip", "demo/", {"SYNTHETIC.md": b"yes"})
    assert locate_source(archive).kind == "synthetic"


def test_missing_table_names_the_file_and_the_source(tiny_source: Path) -> None:
    (tiny_source / "bureau_balance.csv").unlink()
    with pytest.raises(IngestionError, match=r"bureau_balance\.csv: file not found") as caught:
        locate_source(tiny_source).file("bureau_balance")
    assert str(tiny_source) in str(caught.value)


def test_missing_location(tmp_path: Path) -> None:
    with pytest.raises(IngestionError, match="source not found"):
        locate_source(tmp_path / "nowhere")


def test_corrupt_zip(tmp_path: Path) -> None:
    broken = tmp_path / KAGGLE_ZIP
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(IngestionError, match="not a readable zip"):
        locate_source(broken)
