"""Quality gates of the champion and contracts of the scores and the report."""

from __future__ import annotations

import json

import dagster as dg
import pandas as pd

from credit_assets.defs.models.champion import (
    champion_record_path,
    report_path,
)
from credit_assets.defs.resources import DataLake
from credit_assets.models.data import KEY, TARGET
from credit_assets.models.evaluation import CANDIDATE_FIELDS

MAX_SINGLE_ROW_MS = 2.0
REPORT_KEYS = (
    "candidates",
    "champion",
    "oracle_auc",
    "oracle_business_cost",
    "groups",
    "model_card",
)


def _gates(lake: DataLake) -> dict[str, float | bool | str]:
    return json.loads(champion_record_path(lake).read_text())["gates"]


@dg.asset_check(
    asset="champion_model",
    blocking=True,
    description="The champion beats the dummy clearly: 5 % cheaper and 0.05 more AUC (default).",
)
def champion_beats_dummy(lake: DataLake) -> dg.AssetCheckResult:
    gates = _gates(lake)
    return dg.AssetCheckResult(
        passed=bool(gates["beats_baseline"]),
        metadata={k: gates[k] for k in ("cost_reduction", "auc_gain", "baseline_cost")},
    )


@dg.asset_check(
    asset="champion_model",
    blocking=True,
    description="Leakage alarm: an AUC above 0.82 on this problem means a feature knows TARGET.",
)
def champion_auc_plausible(lake: DataLake) -> dg.AssetCheckResult:
    gates = _gates(lake)
    return dg.AssetCheckResult(
        passed=not bool(gates["leakage_alarm"]), metadata={"leakage_alarm": gates["leakage_alarm"]}
    )


@dg.asset_check(
    asset="champion_model",
    description=f"Scoring one client takes under {MAX_SINGLE_ROW_MS} ms (median).",
)
def champion_single_row_latency(lake: DataLake) -> dg.AssetCheckResult:
    ms = float(json.loads(champion_record_path(lake).read_text())["single_row_predict_ms"])
    return dg.AssetCheckResult(
        passed=ms < MAX_SINGLE_ROW_MS,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"single_row_predict_ms": round(ms, 3)},
    )


@dg.asset_check(
    asset="batch_scores",
    additional_deps=["application_test"],
    blocking=True,
    description="Every application_test client scored exactly once, with a probability in [0, 1].",
)
def every_test_client_scored(lake: DataLake) -> dg.AssetCheckResult:
    submission = pd.read_csv(lake.path("outputs", "submission.csv"))
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
        problems += [f"{name}: missing {f}" for f in CANDIDATE_FIELDS[:6] if f not in figures]
    if report.get("champion") not in report.get("candidates", {}):
        problems.append("champion is not a candidate")
    if report.get("data_kind") == "synthetic" and report.get("oracle_auc") is None:
        problems.append("synthetic data without oracle figures")
    return problems


@dg.asset_check(asset="evaluation_report", description="The report follows its schema.")
def evaluation_report_schema(lake: DataLake) -> dg.AssetCheckResult:
    problems = report_problems(json.loads(report_path(lake).read_text()))
    return dg.AssetCheckResult(passed=not problems, metadata={"problems": problems})
