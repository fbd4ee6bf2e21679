"""Fixtures of the feature tests: the public pandas recipe, loaded from the shared bench folder."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest

from credit_assets.kaggle import TABLES, schema

POLARS_TYPES = {"int64": pl.Int64, "float64": pl.Float64, "object": pl.String}


@pytest.fixture(scope="session")
def reference(real_dir: Path) -> ModuleType:
    """``pandas_reference_features.py`` from ``<HOME_CREDIT_REAL_DIR>/../../bench``."""
    path = real_dir.parents[1] / "bench" / "pandas_reference_features.py"
    if not path.is_file():
        pytest.skip(f"no reference recipe at {path}")
    spec = importlib.util.spec_from_file_location("pandas_reference_features", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def heads(real_dir: Path) -> dict[str, pl.LazyFrame]:
    """The first 199 rows of each real Kaggle table, typed like the raw Parquet layer."""
    tables = {}
    for table in TABLES:
        spec = schema(table)
        types = {c: POLARS_TYPES[d] for c, d in zip(spec.columns, spec.dtypes, strict=True)}
        frame = pl.read_csv(real_dir / "heads" / f"{table}.csv", schema_overrides=types)
        tables[table] = frame.lazy()
    return tables


def raw_frame(table: str, rows: list[dict[str, object]]) -> pl.LazyFrame:
    """A hand-made raw table: every Kaggle column of ``table`` typed, unlisted values missing."""
    spec = schema(table)
    types = {c: POLARS_TYPES[d] for c, d in zip(spec.columns, spec.dtypes, strict=True)}
    columns = {c: pl.Series(c, [r.get(c) for r in rows], dtype=t) for c, t in types.items()}
    return pl.DataFrame(columns).lazy()


@pytest.fixture
def make_raw():
    """``make_raw(table, rows)``: see :func:`raw_frame`."""
    return raw_frame
