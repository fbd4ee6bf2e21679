"""What-if for a known client: their application with some fields changed, the rest kept.

A known client's feature row keeps the raw application fields, cleaned (DAYS_EMPLOYED's
placeholder made missing beside an indicator, ``XNA`` made missing), so the application can be
read back from it. The edited application's features are computed by the feature layer's own
``new_client_features``, and a column takes its new value only where the edit changes it: the
side-table features, and every application feature the edit does not touch, keep the client's
stored values, so an empty edit gives back the stored row exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from credit_assets.features.serving import FeatureSpec, new_client_features
from credit_assets.kaggle import DAYS_SENTINEL, schema

SENTINEL_FLAG = "DAYS_EMPLOYED_SENTINEL"


def application_of(row: pd.Series) -> dict[str, Any]:
    """The raw application fields a client's feature row keeps, typed as in the Kaggle file.

    Fields the row lacks (dropped from the feature table as constant or mostly missing) are left
    out, which the feature layer reads as missing.
    """
    table = schema("application_test")
    fields: dict[str, Any] = {}
    for column, dtype in zip(table.columns, table.dtypes, strict=True):
        if column not in row.index:
            continue
        fields[column] = _typed(row[column], dtype)
    if "DAYS_EMPLOYED" in fields and _flag(row.get(SENTINEL_FLAG)):
        fields["DAYS_EMPLOYED"] = DAYS_SENTINEL
    return fields


def edited_row(
    stored: pd.DataFrame, before: Mapping[str, Any], after: Mapping[str, Any], spec: FeatureSpec
) -> pd.DataFrame:
    """``stored`` (one client's feature row) with the features that change from ``before`` to
    ``after`` (raw applications) replaced; ``spec`` lists the application-derived columns."""
    computed = new_client_features([dict(before), dict(after)], spec)
    edited = stored.copy()
    for column in spec.columns:
        old, new = computed.at[0, column], computed.at[1, column]
        if column in edited.columns and not _same(old, new):
            edited[column] = np.array([_missing_to_none(new)], dtype=stored.dtypes[column])
    return edited


def _typed(value: Any, dtype: str) -> Any:
    value = _missing_to_none(value)
    if value is None or dtype == "object":
        return value
    number = float(value)
    return round(number) if dtype == "int64" else number


def _flag(value: Any) -> bool:
    value = _missing_to_none(value)
    return value is not None and float(value) == 1.0


def _same(a: Any, b: Any) -> bool:
    a, b = _missing_to_none(a), _missing_to_none(b)
    return a == b if a is not None and b is not None else a is None and b is None


def _missing_to_none(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    return value.item() if isinstance(value, np.generic) else value
