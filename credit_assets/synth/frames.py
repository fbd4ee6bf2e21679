"""Generated column arrays -> Polars frames in the exact Kaggle column order and types."""

from __future__ import annotations

import numpy as np
import polars as pl

from credit_assets import kaggle
from credit_assets.synth.marginals import TableModel


def category_series(name: str, levels: list[str], codes: np.ndarray) -> pl.Series:
    """Strings from level codes (-1 = missing) without building Python objects."""
    lookup = pl.Series(name, levels, dtype=pl.String)
    strings = lookup.gather(np.clip(codes, 0, None).astype(np.uint32))
    missing = codes < 0
    if missing.any():
        strings = pl.select(pl.when(pl.Series(~missing)).then(strings).alias(name)).to_series()
    return strings


def to_frame(table: str, model: TableModel, columns: dict[str, np.ndarray]) -> pl.DataFrame:
    """Build ``table``'s frame from arrays (category codes, floats with NaN, integer keys)."""
    schema = kaggle.schema(table)
    series: list[pl.Series] = []
    for name, dtype in zip(schema.columns, schema.dtypes, strict=True):
        values = columns[name]
        spec = model.columns[name].spec if name in model.columns else None
        if spec is not None and spec["kind"] == "category":
            series.append(category_series(name, spec["levels"], values))
        elif dtype == "int64":
            series.append(pl.Series(name, np.asarray(values).astype(np.int64)))
        else:
            series.append(pl.Series(name, np.asarray(values, float), nan_to_null=True))
    return pl.DataFrame(series)
