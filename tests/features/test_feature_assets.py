"""The feature assets and their checks, materialised on a small generated dataset."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from credit_assets.defs.features.assets import client_features, feature_groups
from credit_assets.defs.features.checks import (
    every_training_client_present,
    no_infinities,
    no_target_leakage,
    one_row_per_client,
)
from credit_assets.defs.raw.assets import raw_tables
from credit_assets.defs.resources import DataLake, HomeCreditSource
from credit_assets.features.serving import FeatureSpec, new_client_features


@pytest.mark.slow
def test_feature_group_materialises_with_passing_checks(
    tiny_synthetic: Path, tmp_path: Path
) -> None:
    result = dg.materialize(
        [
            *raw_tables,
            *feature_groups,
            client_features,
            one_row_per_client,
            every_training_client_present,
            no_infinities,
            no_target_leakage,
        ],
        resources={
            "source": HomeCreditSource(location=str(tiny_synthetic)),
            "lake": DataLake(root=str(tmp_path)),
        },
    )
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 4 and all(e.passed for e in evaluations)
    table = pl.read_parquet(tmp_path / "features" / "client_features.parquet")
    assert table.height == 3_600 and "TARGET" not in table.columns
    spec = FeatureSpec.load(tmp_path / "features" / "feature_columns.json")
    assert list(spec.columns) == table.columns[1:]
    metadata = result.asset_materializations_for_node("client_features")[0].metadata
    assert metadata["dagster/row_count"].value == 3_600
    # A new applicant's row lines up with the table, through the batch code.
    applicant = pl.read_csv(tiny_synthetic / "application_test.csv").head(1).to_dicts()[0]
    row = new_client_features(applicant, spec)
    assert row.columns.tolist() == list(spec.columns)
    batch = table.filter(pl.col("SK_ID_CURR") == applicant["SK_ID_CURR"]).to_pandas()
    assert row.loc[0, "EXT_SOURCE_MEAN"] == pytest.approx(
        batch.loc[0, "EXT_SOURCE_MEAN"], nan_ok=True
    )
    assert json.loads(spec.to_json())["categorical"]
