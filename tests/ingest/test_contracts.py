"""The DuckDB measurements behind the raw asset checks."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credit_assets.ingest import contracts


def _parquet(folder: Path, name: str, **columns: list[object]) -> Path:
    path = folder / f"{name}.parquet"
    pq.write_table(pa.table(columns), path)
    return path


def test_duplicates_are_counted_across_files(tmp_path: Path) -> None:
    train = _parquet(tmp_path, "train", SK_ID_CURR=[1, 2, 3])
    test = _parquet(tmp_path, "test", SK_ID_CURR=[4, 3])
    assert contracts.duplicate_keys([train], "SK_ID_CURR") == 0
    assert contracts.duplicate_keys([train, test], "SK_ID_CURR") == 1


def test_key_coverage_on_one_and_two_columns(tmp_path: Path) -> None:
    previous = _parquet(tmp_path, "previous", SK_ID_PREV=[1, 2, 3], SK_ID_CURR=[10, 20, 30])
    pos = _parquet(tmp_path, "pos", SK_ID_PREV=[1, 1, 2, 4], SK_ID_CURR=[10, 10, 21, 40])
    by_pair = contracts.key_coverage(pos, [previous], ["SK_ID_PREV", "SK_ID_CURR"])
    assert (by_pair.rows, by_pair.orphan_rows, by_pair.orphan_keys) == (4, 2, 2)
    assert by_pair.examples == [(2, 21), (4, 40)]
    assert by_pair.orphan_share == pytest.approx(0.5)
    by_prev = contracts.key_coverage(pos, [previous], ["SK_ID_PREV"])
    assert (by_prev.orphan_rows, by_prev.examples) == (1, [(4,)])


def test_target_summary(tmp_path: Path) -> None:
    path = _parquet(tmp_path, "train", TARGET=[0, 1, 0, 0, None, 2])
    summary = contracts.target_summary(path)
    assert (summary.rows, summary.defaults, summary.missing, summary.not_binary) == (6, 1, 1, 1)
    assert summary.default_rate == pytest.approx(1 / 5)
    assert contracts.row_count(path) == 6
