"""Dagster's staleness as the launcher reads it, on a three-asset graph in an ephemeral instance:
what a second `make run` would materialise after no change, a code change or a data change."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from credit_assets.launcher import state
from credit_assets.launcher.selection import to_materialise


def assets(source: Path, features_version: str) -> list[dg.AssetsDefinition]:
    @dg.asset(code_version="1")
    def raw() -> dg.MaterializeResult:
        return dg.MaterializeResult(data_version=dg.DataVersion(source.read_text()))

    @dg.asset(code_version=features_version, deps=[raw])
    def features() -> None: ...

    @dg.asset(code_version="1", deps=[features])
    def model() -> None: ...

    return [raw, features, model]


def selection(instance: dg.DagsterInstance, defs: list[dg.AssetsDefinition]) -> list[str]:
    graph = dg.Definitions(assets=defs).resolve_asset_graph()
    states = state.asset_states(state.resolver(instance, graph), graph)
    return to_materialise(states, [], lambda keys: state.downstream_of(graph, keys))


def test_only_what_is_missing_or_stale_is_materialised(tmp_path: Path) -> None:
    source = tmp_path / "table.csv"
    source.write_text("v1")
    instance = dg.DagsterInstance.ephemeral()
    first = assets(source, "1")
    assert not state.has_materialisations(instance)
    assert selection(instance, first) == ["features", "model", "raw"]

    assert dg.materialize(first, instance=instance).success
    assert state.has_materialisations(instance)
    assert selection(instance, first) == []

    changed_code = assets(source, "2")
    assert selection(instance, changed_code) == ["features", "model"]
    assert dg.materialize(changed_code, instance=instance, selection="features").success
    # model is stale once features has a new data version, whichever way it is found
    assert selection(instance, changed_code) == ["model"]
    assert dg.materialize(changed_code, instance=instance, selection="model").success

    # Re-ingesting the same bytes keeps everything downstream fresh; new bytes do not.
    assert dg.materialize(changed_code, instance=instance, selection="raw").success
    assert selection(instance, changed_code) == []
    source.write_text("v2")
    assert dg.materialize(changed_code, instance=instance, selection="raw").success
    assert selection(instance, changed_code) == ["features", "model"]


def test_stale_assets_name_their_root_cause(tmp_path: Path) -> None:
    source = tmp_path / "table.csv"
    source.write_text("v1")
    instance = dg.DagsterInstance.ephemeral()
    assert dg.materialize(assets(source, "1"), instance=instance).success
    graph = dg.Definitions(assets=assets(source, "2")).resolve_asset_graph()
    found = {s.key: s for s in state.asset_states(state.resolver(instance, graph), graph)}
    assert found["features"].status == "STALE"
    assert found["features"].causes == ("features has a new code version",)
    assert found["raw"].status == "FRESH"
