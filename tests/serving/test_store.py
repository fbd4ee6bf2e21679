"""The client store's files: the numbers memory-mapped, not copied, and every row as written."""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow.feather as feather
import pytest

from credit_assets.serving.store import ClientStore, UnknownClientError


def _table() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "SK_ID_CURR": [100002, 100003, 100004],
            "AMT_CREDIT": [406597.5, 1293502.5, None],
            "NAME_CONTRACT_TYPE": ["Cash loans", None, "Revolving loans"],
            "EXT_SOURCE_3": [0.139, float("nan"), 0.729],
            "CODE_GENDER": ["F", "M", "F"],
        },
        schema_overrides={"AMT_CREDIT": pl.Float32, "EXT_SOURCE_3": pl.Float32},
    )


def _mapped(values: np.ndarray) -> bool:
    """Whether ``values`` is a view of a memory-mapped file."""
    base: object = values
    while isinstance(base, np.ndarray):
        if isinstance(base, np.memmap):
            return True
        base = base.base
    return isinstance(base, mmap.mmap)


def test_a_written_store_reads_back_in_the_asked_order_over_the_mapped_matrix(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clients.arrow"
    ClientStore.write(_table(), path)
    columns = ["EXT_SOURCE_3", "NAME_CONTRACT_TYPE", "AMT_CREDIT", "CODE_GENDER"]
    store = ClientStore.read(path, columns)
    expected = _table().to_pandas().set_index("SK_ID_CURR")[columns]
    pd.testing.assert_frame_equal(store.features, expected, check_dtype=False)
    assert store.features.dtypes["AMT_CREDIT"] == np.float32
    assert store.features["NAME_CONTRACT_TYPE"].isna().tolist() == [False, True, False]
    # The numbers are the file's pages, not a copy of them.
    assert _mapped(store.features["AMT_CREDIT"].to_numpy())
    assert not _mapped(store.rows([100002])["AMT_CREDIT"].to_numpy())
    rows = store.rows([100004, 100002])
    assert rows.index.tolist() == [100004, 100002] and list(rows.columns) == columns
    assert rows["EXT_SOURCE_3"].tolist() == pytest.approx([0.729, 0.139])
    with pytest.raises(UnknownClientError, match="999"):
        store.rows([999])


def test_a_part_of_the_columns_and_a_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "clients.arrow"
    ClientStore.write(_table(), path)
    part = ClientStore.read(path, ["AMT_CREDIT"])
    assert list(part.features.columns) == ["AMT_CREDIT"] and part.ids.tolist()[0] == 100002
    assert ClientStore.read(path, []).ids.tolist() == [100002, 100003, 100004]
    with pytest.raises(ValueError, match=r"lacks 1 column.*DAYS_BIRTH"):
        ClientStore.read(path, ["AMT_CREDIT", "DAYS_BIRTH"])


def test_numbers_other_than_float32_are_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    table = _table().with_columns(pl.col("AMT_CREDIT").cast(pl.Float64))
    with pytest.raises(ValueError, match=r"neither float32 nor text.*AMT_CREDIT"):
        ClientStore.write(table, tmp_path / "clients.arrow")
    assert list(tmp_path.iterdir()) == []


def test_a_store_of_every_column_in_one_arrow_file_still_reads(tmp_path: Path) -> None:
    """Bundles packaged before the matrix kept every column in ``clients.arrow``."""
    path = tmp_path / "clients.arrow"
    feather.write_feather(_table().to_arrow(), path, compression="uncompressed")
    store = ClientStore.read(path, ["AMT_CREDIT", "CODE_GENDER"])
    assert store.rows([100003])["CODE_GENDER"].tolist() == ["M"]
