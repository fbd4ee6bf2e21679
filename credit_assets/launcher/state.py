"""The instance's view of the asset graph: each asset's stale status and the raw sources' changes.

Staleness is Dagster's own (``CachingStaleStatusResolver``): an asset is stale when its code
version or an input's data version differs from what its last materialisation recorded. The raw
tables record their CSV's content hash as data version, which Dagster cannot re-read from the
source by itself: ``changed_raw_assets`` hashes the source again and compares.
"""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg
from dagster._core.asset_graph_view.asset_graph_view import AssetGraphView
from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph
from dagster._core.definitions.data_version import (
    NULL_DATA_VERSION,
    CachingStaleStatusResolver,
)
from dagster._core.definitions.temporal_context import TemporalContext
from dagster._time import get_current_datetime

from credit_assets import settings
from credit_assets.ingest import IngestionError, locate_source
from credit_assets.launcher.selection import AssetState, changed_sources, source_digest

TABLE_METADATA = "kaggle_table"
"""The metadata entry naming the Kaggle table a raw asset ingests (``defs/raw/assets.py``)."""


def load_asset_graph() -> BaseAssetGraph:
    """The asset graph of the code location, loaded in this process."""
    from credit_assets.definitions import defs

    return defs().resolve_asset_graph()


def resolver(instance: dg.DagsterInstance, graph: BaseAssetGraph) -> CachingStaleStatusResolver:
    """Dagster's stale-status resolver over ``graph``, as of now."""
    view = AssetGraphView(
        temporal_context=TemporalContext(effective_dt=get_current_datetime(), last_event_id=None),
        instance=instance,
        asset_graph=graph,
    )
    return CachingStaleStatusResolver(instance, graph, loading_context=view)


def asset_states(status: CachingStaleStatusResolver, graph: BaseAssetGraph) -> list[AssetState]:
    """Every materialisable asset with its stale status and the root causes of staleness."""
    states = []
    for key in sorted(graph.materializable_asset_keys):
        causes = status.get_stale_root_causes(key)
        reasons = tuple(f"{c.asset_key.to_user_string()} {c.reason}" for c in causes)
        states.append(AssetState(key.to_user_string(), status.get_status(key).value, reasons))
    return states


def source_tables(graph: BaseAssetGraph) -> dict[str, str]:
    """Raw asset key to the Kaggle table it ingests."""
    tables = {}
    for key in graph.materializable_asset_keys:
        table = graph.get(key).metadata.get(TABLE_METADATA)
        if table is not None:
            tables[key.to_user_string()] = str(getattr(table, "value", table))
    return tables


def changed_raw_assets(status: CachingStaleStatusResolver, tables: Mapping[str, str]) -> list[str]:
    """The materialised raw assets whose source CSV now holds other bytes.

    An unreadable source counts as changed: the run then fails on it with a clear error.
    """
    recorded = {}
    for key, _table in tables.items():
        version = status.get_current_data_version(dg.AssetKey.from_user_string(key))
        if version != NULL_DATA_VERSION:
            recorded[key] = version.value
    if not recorded:
        return []
    try:
        source = locate_source(settings.home_credit_source())
        current: dict[str, str | None] = {}
        for key in recorded:
            table = tables[key]
            current[key] = source_digest(source.file(table)) if table in source.tables else None
    except IngestionError:
        current = {}
    return changed_sources(recorded, current)


def pipeline_assets(graph: BaseAssetGraph, experiments: bool = False) -> set[str]:
    """The materialisable assets ``make pipeline`` runs: every one but the experiments, unless
    ``experiments``."""
    from credit_assets.defs.lineage import EXPERIMENTS_GROUP

    return {
        key.to_user_string()
        for key in graph.materializable_asset_keys
        if experiments or graph.get(key).group_name != EXPERIMENTS_GROUP
    }


def downstream_of(graph: BaseAssetGraph, keys: set[str]) -> set[str]:
    """``keys`` and every materialisable asset downstream of them."""
    selection = dg.AssetSelection.assets(*(dg.AssetKey.from_user_string(k) for k in keys))
    resolved = selection.downstream().resolve(graph)
    return {k.to_user_string() for k in resolved if k in graph.materializable_asset_keys}


def has_materialisations(instance: dg.DagsterInstance) -> bool:
    """Whether any asset was ever materialised in this instance (else everything is missing)."""
    return bool(instance.get_asset_keys(limit=1))
