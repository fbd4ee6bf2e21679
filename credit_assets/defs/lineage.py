"""What the raw layer published about the data, read back by the stages downstream of it."""

from __future__ import annotations

import dagster as dg

KIND_FROM = dg.AssetKey("application_train")
"""The raw asset whose ``source_kind`` metadata says whether the data is synthetic."""
EXPERIMENTS_GROUP = "experiments"
"""Assets that inform the modellers but feed no champion: ``make pipeline`` leaves them out
unless asked (``make pipeline EXPERIMENTS=1``); the retraining job does not run them."""
PIPELINE_SINKS = ("credit_scorer_bento", "drift_report", "evaluation_report")
"""The last assets of ``make pipeline``: they and everything upstream of them are every asset but
the experiments (a test holds this), so a first run can name them without loading the graph."""
PACKAGING_PRIORITY = {"dagster/priority": "2"}
"""The ``op_tags`` of the steps between the champions and the served model (the validation
report, the packaging, the Bento): Dagster runs them before the batch scores and the drift
report that are ready with them (priority 0), which nothing downstream waits for."""
HISTORY_FIRST = 10
"""Added to the priority of the candidates on every client feature: they all run before the
application-only ones, so the champion is chosen, and its serving bundle written, while those
train; only the validation report and the packaging are left after the last candidate."""
CHAMPION_PRIORITY = {"dagster/priority": str(HISTORY_FIRST - 1)}
"""The ``op_tags`` of the champions, their checks and the serving bundle: ahead of any
application-only candidate (priorities 0 to 8) as soon as they are ready, after every history
candidate. A blocking check left at priority 0 would hold the bundle until those are done."""


def data_kind(instance: dg.DagsterInstance) -> str:
    """``synthetic`` or ``real``, as the latest ingestion of ``application_train`` recorded it.

    Args:
        instance: The Dagster instance the run reads its event log from (``context.instance``).

    Returns:
        The ``source_kind`` the raw asset published, or ``unknown`` when no materialisation of
        it (or none with that metadata) is recorded on this instance.
    """
    event = instance.get_latest_materialization_event(KIND_FROM)
    materialization = event.asset_materialization if event is not None else None
    kind = materialization.metadata.get("source_kind") if materialization is not None else None
    return str(kind.value) if isinstance(kind, dg.TextMetadataValue) else "unknown"
