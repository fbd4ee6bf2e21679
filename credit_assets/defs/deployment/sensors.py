"""Packaging each new champion that passes its gates and is not worse than the served model,
once per champion version."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg

from credit_assets.defs.deployment.assets import credit_scorer_bento, served_model, serving_bundle
from credit_assets.defs.resources import DataLake
from credit_assets.models import ScoringModel
from credit_assets.monitoring.gates import judge_redeploy
from credit_assets.serving.bundle import MODEL_FILE

CHAMPION = dg.AssetKey("champion_model")
PACKAGE_MAX_RUNTIME_SECONDS = 30 * 60
"""Past this, run monitoring (dagster.yaml) fails a packaging run (it takes a minute or two)."""

package_champion = dg.define_asset_job(
    "package_champion",
    selection=dg.AssetSelection.assets(serving_bundle, served_model, credit_scorer_bento),
    description=(
        "Write the champion's serving bundle, turn it into the BentoML model and build the"
        " credit_scorer Bento."
    ),
    tags={"dagster/max_runtime": str(PACKAGE_MAX_RUNTIME_SECONDS)},
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


def run_key(version: str) -> str:
    """The run key of the packaging run of one champion version: Dagster launches it once."""
    return f"champion-{version}"


def _values(event: dg.EventLogEntry | None) -> dict[str, Any]:
    materialization = event.asset_materialization if event is not None else None
    if materialization is None:
        return {}
    return {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}


def served_artefact(packaged: Mapping[str, Any]) -> Path | None:
    """The ScoringModel file of the model in service, from ``served_model``'s metadata."""
    folder = packaged.get("path")
    artefact = Path(folder) / MODEL_FILE if folder else None
    return artefact if artefact is not None and artefact.is_file() else None


@dg.asset_sensor(
    asset_key=CHAMPION,
    job=package_champion,
    name="package_new_champion",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description=(
        "When champion_model is materialised with a version that passes its gates (beats the"
        " dummy, no leakage alarm), is not yet packaged, and costs no more per client than the"
        " served model on the new holdout, launch package_champion once for that version (run"
        " key champion-<version>). Otherwise the tick is skipped with the reason."
    ),
)
def package_new_champion(
    context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry, lake: DataLake
) -> dg.RunRequest | dg.SkipReason:
    champion = _values(asset_event)
    version = str(champion.get("version", "unknown"))
    failures = gate_failures(champion)
    if failures:
        return dg.SkipReason(f"champion {version} is not packaged: it {'; it '.join(failures)}")
    packaged = _values(context.instance.get_latest_materialization_event(served_model.key))
    if packaged.get("champion_version") == version:
        return dg.SkipReason(f"champion {version} is already packaged")
    new = ScoringModel.load(lake.champion_path())
    if new.version != version:
        return dg.SkipReason(
            f"champion {version} is not packaged: champion_model now holds {new.version}, whose"
            " own materialisation is judged next"
        )
    artefact = served_artefact(packaged)
    if packaged and artefact is None:
        context.log.warning(
            f"the served model {packaged.get('champion_version')} has no artefact at"
            f" {packaged.get('path')}: nothing to compare champion {version} with"
        )
    served = ScoringModel.load(artefact) if artefact is not None else None
    verdict = judge_redeploy(new, served, lake.read_frame("holdout_set"))
    if not verdict.allowed:
        return dg.SkipReason(f"champion {version} is not packaged: {verdict.reason}")
    context.log.info(f"packaging champion {version}: {verdict.reason}")
    tags = {"champion_version": version, "holdout_business_cost": f"{verdict.new_cost:.5f}"}
    if verdict.served_cost is not None:
        tags["served_business_cost"] = f"{verdict.served_cost:.5f}"
    return dg.RunRequest(run_key=run_key(version), tags=tags)
