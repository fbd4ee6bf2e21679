"""Drift contract: a main feature moving beyond PSI 0.2 is a warning (it does not block)."""

from __future__ import annotations

import json

import dagster as dg

from credit_assets.defs.monitoring.assets import JSON
from credit_assets.defs.resources import DataLake
from credit_assets.monitoring.drift import PSI_SIGNIFICANT


@dg.asset_check(
    asset="drift_report",
    blocking=False,
    description=(
        f"No main feature (top 10 by the champion's importance; EXT_SOURCE_*, DAYS_BIRTH and"
        f" AMT_* without one) drifts beyond PSI {PSI_SIGNIFICANT} in any judged comparison."
        " Fails with severity WARN: a shift calls for a look, and maybe retraining."
    ),
)
def main_features_stable(lake: DataLake) -> dg.AssetCheckResult:
    summary = json.loads(lake.report_path(JSON).read_text())
    judged = {n: c for n, c in summary["comparisons"].items() if c["judged"]}
    drifting = {n: c["drifted_main_features"] for n, c in judged.items()}
    worst = {
        n: {f["feature"]: round(f["psi"], 3) for f in c["features"] if f["feature"] in drifting[n]}
        for n, c in judged.items()
    }
    return dg.AssetCheckResult(
        passed=not any(drifting.values()),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "comparisons_judged": sorted(judged),
            "drifting_main_features": dg.MetadataValue.json(worst),
            "data_kind": summary["data_kind"],
        },
    )
