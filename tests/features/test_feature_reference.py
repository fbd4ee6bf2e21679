"""On the real Kaggle heads, every feature the public pandas recipe computes has the recipe's value.

The recipe (``pandas_reference_features.py`` in the shared bench folder) is run on the same files;
its column names are made LightGBM-safe as ours are. Two documented differences: the recipe's
``POS_MONTHS_BALANCE_SIZE`` is our ``POS_COUNT`` (the recipe computes that count twice), and its
one-hot application columns are our categorical columns, compared value by value.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import polars as pl
import pytest

from credit_assets.features.application import string_columns
from credit_assets.features.build import APPLICATION, SIDE_GROUPS, build_client_features
from credit_assets.features.common import KEY, safe_name

ALIASES = {"POS_MONTHS_BALANCE_SIZE": "POS_COUNT"}
RECIPE = {
    "bureau_features": "bureau",
    "previous_application_features": "previous",
    "pos_cash_features": "pos_cash",
    "installment_features": "installments",
    "credit_card_features": "credit_card",
}


def assert_same_values(recipe: pd.DataFrame, ours: pd.DataFrame) -> list[str]:
    """Compare the columns both hold on the recipe's clients; return the recipe columns we lack."""
    ours = ours.reindex(recipe.index)
    names = {c: ALIASES.get(safe_name(c), safe_name(c)) for c in recipe.columns}
    lacking = [c for c, name in names.items() if name not in ours.columns]
    for column, name in names.items():
        if column in lacking:
            continue
        expected = recipe[column].to_numpy(dtype=float)
        actual = ours[name].to_numpy(dtype=float)
        expected[np.isinf(expected)] = np.nan
        actual[np.isinf(actual)] = np.nan
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6, err_msg=column)
    return lacking


@pytest.mark.parametrize("group", SIDE_GROUPS, ids=lambda g: g.name)
def test_side_tables_match_the_recipe(
    group, reference: ModuleType, heads: dict[str, pl.LazyFrame], real_dir: Path
) -> None:
    recipe = getattr(reference, RECIPE[group.name])(real_dir / "heads")
    ours = group.build(heads).to_pandas().set_index(KEY)
    assert assert_same_values(recipe, ours) == []


def test_client_table_matches_the_recipe(
    reference: ModuleType, heads: dict[str, pl.LazyFrame], real_dir: Path
) -> None:
    recipe = reference.applications(real_dir / "heads").set_index(KEY)
    application = APPLICATION.build(heads)
    parts = [g.build(heads) for g in SIDE_GROUPS]
    training = heads["application_train"].select(KEY).collect().to_series()
    table, report = build_client_features(application, parts, training, max_missing_share=1.0)
    ours = table.to_pandas().set_index(KEY)
    assert "TARGET" not in ours.columns
    assert len(ours) == 398  # every client, even the recipe's four-letter-gender drop-outs
    lacking = assert_same_values(recipe.drop(columns="TARGET"), ours)
    # What we lack are columns constant on training clients, which the build drops, and the
    # recipe's one-hot columns: those are our categorical columns, value for value (XNA missing).
    for column in lacking:
        source = next((c for c in string_columns() if column.startswith(f"{c}_")), None)
        if source is None:
            assert safe_name(column) in report.dropped_constant, column
            continue
        if source not in ours.columns:
            assert source in report.dropped_constant, source
            continue
        value = column.removeprefix(f"{source}_")
        flag = recipe[column].astype(bool)
        if value in ("nan", "XNA"):
            assert ours.loc[flag[flag].index, source].isna().all(), column
        else:
            assert (ours[source].reindex(recipe.index) == value).eq(flag).all(), column
