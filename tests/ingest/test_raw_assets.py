"""The raw Dagster assets and checks: definitions load, one in-memory run on tiny data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg

from credit_assets.definitions import defs
from credit_assets.defs.raw.assets import raw_table_asset, raw_tables
from credit_assets.defs.raw.checks import default_rate, raw_checks
from credit_assets.defs.resources import DataLake, HomeCreditSource
from credit_assets.kaggle import TABLES

Rows = Callable[[str], list[dict[str, object]]]
Writer = Callable[..., Path]
RAW_KEYS = {t.lower() for t in TABLES}


def _materialize(source: Path, lake: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [*raw_tables, *raw_checks, default_rate],
        resources={
            "source": HomeCreditSource(location=str(source)),
            "lake": DataLake(root=str(lake)),
        },
        raise_on_error=False,
    )


def _materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    events = result.get_asset_materialization_events()
    return {e.asset_key.to_user_string() for e in events if e.asset_key is not None}


def test_definitions_load_with_the_raw_group() -> None:
    definitions = defs()
    dg.Definitions.validate_loadable(definitions)
    graph = definitions.resolve_asset_graph()
    raw = {key.to_user_string() for key in graph.get_all_asset_keys() if key.path[0] in RAW_KEYS}
    assert raw == RAW_KEYS
    assert {graph.get(dg.AssetKey(k)).group_name for k in raw} == {"raw"}
    checks = {key.to_user_string() for key in graph.asset_check_keys}
    assert {"application_train:default_rate", "pos_cash_balance:clients_known"} <= checks


def test_raw_group_materializes_and_its_checks_pass(tiny_source: Path, tmp_path: Path) -> None:
    result = _materialize(tiny_source, tmp_path / "lake")
    assert result.success
    materialized = _materialized(result)
    assert materialized == RAW_KEYS
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 16
    assert [e.asset_check_key for e in evaluations if not e.passed] == []
    assert (tmp_path / "lake" / "raw" / "POS_CASH_balance.parquet").is_file()
    metadata = result.asset_materializations_for_node("bureau")[0].metadata
    assert metadata["rows"].value == 20
    assert metadata["columns"].value == 17
    assert metadata["source_kind"].value == "real"
    assert len(str(metadata["content_sha256"].value)) == 64
    assert "SK_ID_BUREAU" in str(metadata["preview"].value)


def test_bad_table_fails_only_its_own_asset(tiny_source: Path, tmp_path: Path) -> None:
    path = tiny_source / "bureau_balance.csv"
    path.write_text(path.read_text().replace(",-1,", ",minus one,", 1))
    result = _materialize(tiny_source, tmp_path / "lake")
    assert not result.success
    materialized = _materialized(result)
    assert materialized == RAW_KEYS - {"bureau_balance"}
    [failure] = [f for f in result.get_step_failure_events() if f.step_key == "bureau_balance"]
    user_failure = failure.step_failure_data.user_failure_data
    assert user_failure is not None and user_failure.description is not None
    assert "column 'MONTHS_BALANCE', row 2 (line 3): 'minus one'" in user_failure.description


def test_client_in_train_and_test_fails_the_blocking_check(
    tiny_source: Path, tmp_path: Path, tiny_rows: Rows, write_table: Writer
) -> None:
    rows = tiny_rows("application_test")
    rows[0]["SK_ID_CURR"] = tiny_rows("application_train")[0]["SK_ID_CURR"]
    write_table(tiny_source, "application_test", rows)
    result = _materialize(tiny_source, tmp_path / "lake")
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [e.asset_check_key.to_user_string() for e in failed] == [
        "application_test:sk_id_curr_unique"
    ]
    assert failed[0].metadata["duplicates"].value == 1


def test_asset_called_directly_reports_a_synthetic_source(
    tiny_source: Path, tmp_path: Path
) -> None:
    (tiny_source / "SYNTHETIC.md").write_text("made by the generator")
    asset = raw_table_asset("installments_payments")
    result = asset(
        source=HomeCreditSource(location=str(tiny_source)), lake=DataLake(root=str(tmp_path))
    )
    assert isinstance(result, dg.MaterializeResult)
    assert result.metadata is not None
    assert result.metadata["source_kind"] == "synthetic"
    assert result.metadata["rows"] == 50
