"""Quality gates of the champion and contracts of the scores and the report."""

from __future__ import annotations

import json

import dagster as dg
import pandas as pd

from credit_assets.defs.lineage import CHAMPION_PRIORITY
from credit_assets.defs.models.champion import champion_key
from credit_assets.defs.resources import DataLake
from credit_assets.features.feature_sets import FEATURE_SETS, FeatureSet
from credit_assets.leakage import LEAKAGE_AUC
from credit_assets.models.data import KEY, TARGET

MAX_SINGLE_ROW_MS = 2.0
REQUIRED_FIGURES = (
    "cv_auc_mean",
    "cv_auc_std",
    "oof_business_cost",
    "holdout_auc",
    "business_cost",
    "threshold",
)
REPORT_KEYS = (
    "candidates",
    "champion",
    "oracle_auc",
    "oracle_business_cost",
    "selection",
    "feature_sets",
    "groups",
    "model_card",
)


def champion_checks(feature_set: FeatureSet) -> list[dg.AssetChecksDefinition]:
    """The gates of one feature set's champion, as checks on its asset."""
    asset = champion_key(feature_set)

    @dg.asset_check(
        asset=asset,
        name="champion_beats_dummy",
        op_tags=CHAMPION_PRIORITY,  # the serving bundle waits for them
        blocking=True,
        description=(
            "The champion beats the dummy clearly on out-of-fold figures: 5 % cheaper and"
            " 0.05 more AUC (default)."
        ),
    )
    def beats_dummy(lake: DataLake) -> dg.AssetCheckResult:
        gates = lake.champion_record(feature_set)["gates"]
        return dg.AssetCheckResult(
            passed=bool(gates["beats_baseline"]),
            metadata={k: gates[k] for k in ("cost_reduction", "auc_gain", "baseline_cost")},
        )

    @dg.asset_check(
        asset=asset,
        name="champion_auc_plausible",
        op_tags=CHAMPION_PRIORITY,  # the serving bundle waits for them
        blocking=True,
        description=(
            f"Leakage alarm: an AUC above {LEAKAGE_AUC} (default) on this problem means a feature"
            " knows TARGET."
        ),
    )
    def auc_plausible(lake: DataLake) -> dg.AssetCheckResult:
        gates = lake.champion_record(feature_set)["gates"]
        return dg.AssetCheckResult(
            passed=not bool(gates["leakage_alarm"]),
            metadata={"leakage_alarm": gates["leakage_alarm"]},
        )

    @dg.asset_check(
        asset=asset,
        name="champion_single_row_latency",
        op_tags=CHAMPION_PRIORITY,
        description=f"Scoring one client takes under {MAX_SINGLE_ROW_MS} ms (median).",
    )
    def single_row_latency(lake: DataLake) -> dg.AssetCheckResult:
        ms = float(lake.champion_record(feature_set)["single_row_predict_ms"])
        return dg.AssetCheckResult(
            passed=ms < MAX_SINGLE_ROW_MS,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"single_row_predict_ms": round(ms, 3)},
        )

    return [beats_dummy, auc_plausible, single_row_latency]


champion_gates = [check for s in FEATURE_SETS for check in champion_checks(s)]


@dg.asset_check(
    asset="batch_scores",
    additional_deps=["application_test"],
    blocking=True,
    description="Every application_test client scored exactly once, with a probability in [0, 1].",
)
def every_test_client_scored(lake: DataLake) -> dg.AssetCheckResult:
    submission = pd.read_csv(lake.output_path("submission.csv"))
    expected = pd.read_parquet(lake.raw_table("application_test"), columns=[KEY])[KEY]
    missing = int((~expected.isin(submission[KEY])).sum())
    duplicated = int(submission[KEY].duplicated().sum())
    out_of_range = int((~submission[TARGET].between(0.0, 1.0)).sum())
    return dg.AssetCheckResult(
        passed=missing == 0 and duplicated == 0 and out_of_range == 0,
        metadata={"missing": missing, "duplicated": duplicated, "out_of_range": out_of_range},
    )


def report_problems(report: dict) -> list[str]:
    """What the evaluation report lacks, by key (empty when it follows the schema)."""
    problems = [f"missing {k}" for k in REPORT_KEYS if k not in report]
    for name, figures in report.get("candidates", {}).items():
        problems += [f"{name}: missing {f}" for f in REQUIRED_FIGURES if f not in figures]
    for name, part in report.get("feature_sets", {}).items():
        if part.get("champion") not in part.get("candidates", {}):
            problems.append(f"{name}: the champion is not a candidate")
        for candidate, figures in part.get("candidates", {}).items():
            problems += [
                f"{name} {candidate}: missing {f}"
                for f in ("holdout_auc_ci", "business_cost_ci")
                if f not in figures
            ]
    if report.get("champion") not in report.get("candidates", {}):
        problems.append("champion is not a candidate")
    if report.get("data_kind") == "synthetic" and report.get("oracle_auc") is None:
        problems.append("synthetic data without oracle figures")
    return problems


@dg.asset_check(asset="evaluation_report", description="The report follows its schema.")
def evaluation_report_schema(lake: DataLake) -> dg.AssetCheckResult:
    problems = report_problems(json.loads(lake.report_path("evaluation.json").read_text()))
    return dg.AssetCheckResult(passed=not problems, metadata={"problems": problems})
