"""Packaging each new champion that passes its gates, once per champion version."""

from collections.abc import Mapping
from typing import Any

import dagster as dg

from credit_assets.defs.deployment.assets import credit_scorer_bento, served_model

CHAMPION = dg.AssetKey("champion_model")

package_champion = dg.define_asset_job(
    "package_champion",
    selection=dg.AssetSelection.assets(served_model, credit_scorer_bento),
    description="Turn the champion into the BentoML model and build the credit_scorer Bento.",
)


def gate_failures(metadata: Mapping[str, Any]) -> list[str]:
    """Why a champion must not be served, from its materialisation metadata (empty: it may)."""
    failures = []
    if metadata.get("beats_dummy") is not True:
        failures.append(
            f"does not beat the dummy clearly (cost reduction {metadata.get('cost_reduction')})"
        )
    if metadata.get("leakage_alarm") is not False:
        failures.append("raises the leakage alarm (AUC too high to be true)")
    return failures


def _values(event: dg.EventLogEntry) -> dict[str, Any]:
    materialization = event.asset_materialization
    if materialization is None:
        return {}
    return {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}


@dg.asset_sensor(
    asset_key=CHAMPION,
    job=package_champion,
    name="package_new_champion",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description=(
        "When champion_model is materialised with a version that passes its gates (beats the"
        " dummy, no leakage alarm) and is not yet packaged, launch package_champion once for"
        " that version (run key champion-<version>)."
    ),
)
def package_new_champion(
    context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry
) -> dg.RunRequest | dg.SkipReason:
    champion = _values(asset_event)
    version = str(champion.get("version", "unknown"))
    failures = gate_failures(champion)
    if failures:
        return dg.SkipReason(f"champion {version} is not packaged: it {'; it '.join(failures)}")
    packaged = context.instance.get_latest_materialization_event(served_model.key)
    if packaged is not None and _values(packaged).get("champion_version") == version:
        return dg.SkipReason(f"champion {version} is already packaged")
    return dg.RunRequest(run_key=f"champion-{version}", tags={"champion_version": version})
