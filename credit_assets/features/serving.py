"""Features of a new applicant, computed by the batch code and aligned to the training table.

The service receives raw application fields (a dict, a list of dicts or a pandas DataFrame with
Kaggle column names), and for some applicants the rows of their credit history. Application
features come from :func:`application.application_features`, the function the batch runs;
side-table features from the batch's own groups (:mod:`credit_assets.features.history`); both are
assembled and cleaned as the batch assembles the client table. A side table an applicant has no
rows in leaves its features missing, as for a training client without such rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from credit_assets.features.application import application_features, raw_columns
from credit_assets.features.build import FEATURE_FLOAT, assemble, clean
from credit_assets.features.common import KEY
from credit_assets.features.history import HistoryRows, has_rows, side_features
from credit_assets.kaggle import schema

_RAW_TYPES = {"int64": pl.Int64, "float64": pl.Float64, "object": pl.String}


@dataclass(frozen=True)
class FeatureSpec:
    """The feature columns of the client table, in order, and which of them are categorical."""

    columns: tuple[str, ...]
    categorical: tuple[str, ...]

    @classmethod
    def of(cls, table: pl.DataFrame) -> FeatureSpec:
        """The spec of a client feature table (every column but SK_ID_CURR)."""
        columns = tuple(c for c in table.columns if c != KEY)
        types = table.schema  # built anew on every access: read it once, not once per column
        return cls(columns, tuple(c for c in columns if types[c] == pl.String))

    def to_json(self) -> str:
        return json.dumps({"columns": self.columns, "categorical": self.categorical}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> FeatureSpec:
        data = json.loads(text)
        return cls(tuple(data["columns"]), tuple(data["categorical"]))

    @classmethod
    def load(cls, path: Path) -> FeatureSpec:
        return cls.from_json(path.read_text())


def raw_application(
    application: pd.DataFrame | Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> pl.DataFrame:
    """Raw application rows with every Kaggle field typed; fields not given are missing."""
    records = application.to_dict("records") if isinstance(application, pd.DataFrame) else None
    if records is None:
        records = [application] if isinstance(application, Mapping) else list(application)
    table = schema("application_test")
    types = {c: _RAW_TYPES[d] for c, d in zip(table.columns, table.dtypes, strict=True)}
    unknown = sorted({k for r in records for k in r} - set(types) - {"TARGET"})
    if unknown:
        raise ValueError(f"not application fields: {unknown}")
    columns = {
        c: pl.Series(c, [_missing_to_none(r.get(c)) for r in records], dtype=types[c], strict=False)
        for c in raw_columns()
    }
    return pl.DataFrame(columns)


def new_client_features(
    application: pd.DataFrame | Mapping[str, Any] | Sequence[Mapping[str, Any]],
    spec: FeatureSpec,
    history: HistoryRows | Sequence[HistoryRows | None] | None = None,
) -> pd.DataFrame:
    """One feature row per applicant, with exactly ``spec.columns`` in order.

    Args:
        application: The applicants' raw application fields.
        spec: The columns to return (the served model's client table).
        history: The credit history of one applicant (with a single ``application`` mapping),
            or one per applicant (``None`` for one without), parallel to the applicants.

    Features are computed as in the batch; the side-table features of an applicant without rows
    in a table are missing, as for a training client without such rows.
    """
    raw = raw_application(application)
    histories = _per_applicant(history, raw.height)
    if has_rows(histories):
        # Rows are keyed by position here: SK_ID_CURR is optional in a new application.
        keyed = raw.with_columns(pl.int_range(raw.height, dtype=pl.Int64).alias(KEY))
        features = assemble(application_features(keyed.lazy()).collect(), side_features(histories))
    else:
        features = clean(application_features(raw.lazy()).collect())
    present = set(features.columns)  # a new list on every access: read once, not per column
    aligned = features.select(
        pl.col(c)
        if c in present
        else pl.lit(None, dtype=pl.String if c in spec.categorical else FEATURE_FLOAT).alias(c)
        for c in spec.columns
    )
    return aligned.to_pandas()


def _per_applicant(
    history: HistoryRows | Sequence[HistoryRows | None] | None, applicants: int
) -> list[HistoryRows | None]:
    if history is None:
        return [None] * applicants
    histories: list[HistoryRows | None] = (
        [history] if isinstance(history, Mapping) else list(history)
    )
    if len(histories) != applicants:
        raise ValueError(f"{len(histories)} histories for {applicants} applicants")
    return histories


def _missing_to_none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value
