"""Writing the Parquet copy: atomic replacement and the ingestion report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credit_assets.ingest import IngestionError, ingest_table, lake, write_parquet_atomic
from credit_assets.ingest.csvfile import arrow_schema

Writer = Callable[..., Path]


def test_ingest_writes_typed_parquet_and_reports(tiny_source: Path, tmp_path: Path) -> None:
    target = tmp_path / "lake" / "raw" / "POS_CASH_balance.parquet"
    report = ingest_table(tiny_source, "POS_CASH_balance", target)
    stored = pq.read_table(target)
    assert stored.schema.remove_metadata() == arrow_schema("POS_CASH_balance")
    assert (report.rows, report.columns) == (stored.num_rows, 8)
    assert report.source_kind == "real"
    assert report.source_file == str(tiny_source / "POS_CASH_balance.csv")
    assert len(report.sha256) == 64
    assert report.preview.startswith("| SK_ID_PREV | SK_ID_CURR | MONTHS_BALANCE |")
    assert len(report.preview.splitlines()) == 2 + 5
    assert list(target.parent.iterdir()) == [target], "no temporary file is left behind"


def test_failed_ingestion_leaves_the_previous_parquet_untouched(
    tiny_source: Path, tmp_path: Path
) -> None:
    target = tmp_path / "lake" / "bureau.parquet"
    ingest_table(tiny_source, "bureau", target)
    before = target.read_bytes()
    csv = tiny_source / "bureau.csv"
    csv.write_text(csv.read_text().replace("5000003", "not an id", 1))
    with pytest.raises(IngestionError, match="SK_ID_BUREAU"):
        ingest_table(tiny_source, "bureau", target)
    assert target.read_bytes() == before
    assert list(target.parent.iterdir()) == [target]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "table.parquet"
    write_parquet_atomic(pa.table({"a": [1, 2]}), target)
    before = target.read_bytes()

    def disk_full(data: pa.Table, where: Path, **_: object) -> None:
        Path(where).write_bytes(b"PAR1 half a file")
        raise OSError("No space left on device")

    monkeypatch.setattr(lake.pq, "write_table", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_parquet_atomic(pa.table({"a": [3]}), target)
    assert target.read_bytes() == before
    assert list(tmp_path.iterdir()) == [target]
