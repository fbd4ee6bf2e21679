"""The drift report asset and its warning check, on tiny hand-made lakes."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import numpy as np
import polars as pl
import pytest

from credit_assets.defs.monitoring.assets import (
    HTML,
    JSON,
    REQUESTS,
    TEST_CLIENTS,
    DriftConfig,
    drift_report,
)
from credit_assets.defs.monitoring.checks import main_features_stable
from credit_assets.defs.prediction_log import PredictionLogStore
from credit_assets.defs.resources import DataLake
from credit_assets.features.serving import FeatureSpec
from credit_assets.monitoring.prediction_log import log_predictions
from credit_assets.monitoring.report import SYNTHETIC_NOTE, report_markdown

TRAIN, TEST = 400, 200


def write_lake(root: Path, shift: float) -> DataLake:
    """Training clients 1..400 and test clients 401..600; the test clients' EXT_SOURCE_2 is
    moved by ``shift``."""
    lake = DataLake(root=str(root))
    rng = np.random.default_rng(1)
    n = TRAIN + TEST
    ext = rng.normal(0.5, 0.1, n)
    ext[TRAIN:] += shift
    table = pl.DataFrame(
        {
            "SK_ID_CURR": np.arange(1, n + 1),
            "EXT_SOURCE_2": ext,
            "AMT_CREDIT": rng.lognormal(12, 0.5, n),
            "DAYS_BIRTH": rng.integers(-25_000, -7_000, n).astype(float),
            "NAME_CONTRACT_TYPE": rng.choice(["Cash loans", "Revolving loans"], n).tolist(),
            "BUREAU_DEBT_RATIO": rng.uniform(0, 1, n),
        }
    )
    table.write_parquet(lake.features_path())
    lake.spec_path().write_text(FeatureSpec.of(table).to_json())
    for name, ids in (("application_train", table[:TRAIN]), ("application_test", table[TRAIN:])):
        ids.select("SK_ID_CURR").write_parquet(lake.raw_table(name))
    return lake


def check(lake: DataLake) -> dg.AssetCheckResult:
    result = main_features_stable(lake=lake)
    assert isinstance(result, dg.AssetCheckResult)
    return result


def materialise(
    lake: DataLake, tmp_path: Path, instance: dg.DagsterInstance | None = None, **config: int
) -> dict:
    drift_report(
        context=dg.build_asset_context(instance=instance),
        config=DriftConfig(**config),
        lake=lake,
        prediction_log=PredictionLogStore(path=str(tmp_path / "predictions.sqlite")),
    )
    return json.loads(lake.report_path(JSON).read_text())


def test_same_population_is_stable_and_the_check_passes(tmp_path: Path) -> None:
    lake = write_lake(tmp_path / "lake", shift=0.0)
    report = materialise(lake, tmp_path)
    test = report["comparisons"][TEST_CLIENTS]
    # No champion: the main features are the named ones, ordered by PSI.
    assert set(test["main_features"]) == {"EXT_SOURCE_2", "AMT_CREDIT", "DAYS_BIRTH"}
    assert test["drifted_main_features"] == []
    assert (test["reference_rows"], test["current_rows"]) == (TRAIN, TEST)
    assert len(test["features"]) == 5
    result = check(lake)
    assert result.passed


def test_a_shifted_main_feature_raises_a_warning(tmp_path: Path) -> None:
    lake = write_lake(tmp_path / "lake", shift=0.1)
    report = materialise(lake, tmp_path)
    test = report["comparisons"][TEST_CLIENTS]
    assert test["drifted_main_features"] == ["EXT_SOURCE_2"]
    assert test["features"][0]["feature"] == "EXT_SOURCE_2"
    result = check(lake)
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.WARN
    drifting = result.metadata["drifting_main_features"]
    assert isinstance(drifting, dg.JsonMetadataValue)
    assert isinstance(drifting.data, dict)
    assert list(drifting.data[TEST_CLIENTS]) == ["EXT_SOURCE_2"]
    page = lake.report_path(HTML).read_text()
    assert page.count("data:image/png;base64,") == 1 + 3
    assert "EXT_SOURCE_2" in page


def test_logged_requests_are_judged_only_when_enough_are_logged(tmp_path: Path) -> None:
    lake = write_lake(tmp_path / "lake", shift=0.0)
    rng = np.random.default_rng(2)
    rows = [
        {"AMT_CREDIT": float(a), "EXT_SOURCE_2": float(e), "NAME_CONTRACT_TYPE": "Cash loans"}
        for a, e in zip(rng.lognormal(12, 0.5, 60), rng.normal(0.8, 0.1, 60), strict=True)
    ]
    path = tmp_path / "predictions.sqlite"
    log_predictions(rows[:30], [0.1] * 30, ["accepted"] * 30, "v", 2.0, path=path)
    few = materialise(lake, tmp_path, min_logged_predictions=50)["comparisons"][REQUESTS]
    assert not few["judged"] and few["logged"] == 30

    log_predictions(rows[30:], [0.1] * 30, ["accepted"] * 30, "v", 2.0, path=path)
    # Known clients asked by id: their features come from the client table, once per request.
    known = [{"SK_ID_CURR": 450}, {"SK_ID_CURR": 450}, {"SK_ID_CURR": 451}]
    log_predictions(known, [0.2] * 3, ["accepted"] * 3, "v", 1.0, path=path)
    enough = materialise(lake, tmp_path, min_logged_predictions=50)["comparisons"][REQUESTS]
    assert enough["judged"] and enough["current_rows"] == 63
    compared = {f["feature"] for f in enough["features"]}
    # Side-table features are missing for every request by design: never compared.
    assert "BUREAU_DEBT_RATIO" not in compared
    assert "EXT_SOURCE_2" in enough["drifted_main_features"]
    assert not check(lake).passed


@pytest.mark.parametrize("kind", ["synthetic", "real"])
def test_the_data_kind_is_the_one_the_raw_ingestion_published(tmp_path: Path, kind: str) -> None:
    lake = write_lake(tmp_path / "lake", shift=0.0)
    with dg.instance_for_test() as instance:
        assert materialise(lake, tmp_path, instance)["data_kind"] == "unknown"
        published = {"source_kind": kind}
        instance.report_runless_asset_event(
            dg.AssetMaterialization("application_train", metadata=published)
        )
        assert materialise(lake, tmp_path, instance)["data_kind"] == kind


@pytest.mark.parametrize(("kind", "labelled"), [("synthetic", True), ("real", False)])
def test_synthetic_reports_say_so(kind: str, labelled: bool) -> None:
    summary = {"reference": "training clients", "data_kind": kind, "comparisons": {}}
    assert (SYNTHETIC_NOTE in report_markdown(summary)) is labelled
