"""The evaluation report: schema, oracle figures, group rates, model card."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_assets.defs.models.checks import report_problems
from credit_assets.models import evaluation

CANDIDATE = {
    "cv_auc_mean": 0.76,
    "cv_auc_std": 0.01,
    "oof_business_cost": 0.52,
    "holdout_auc": 0.77,
    "holdout_auc_ci_low": 0.75,
    "holdout_auc_ci_high": 0.79,
    "business_cost": 0.5,
    "business_cost_ci_low": 0.47,
    "business_cost_ci_high": 0.53,
    "threshold": 0.09,
    "fit_seconds": 1.2,
}


def holdout() -> pd.DataFrame:
    return pd.DataFrame(
        {"CODE_GENDER": ["F", "M"] * 100, "AGE_YEARS": np.linspace(21, 69, 200)},
        index=pd.Index(range(100, 300), name="SK_ID_CURR"),
    )


def report(kind: str = "synthetic", oracle: dict[str, float] | None = None) -> dict:
    y = np.tile([0, 0, 0, 1], 50)
    groups = evaluation.group_metrics(holdout(), y, np.linspace(0, 1, 200), 0.5)
    card = evaluation.model_card("lightgbm", CANDIDATE, kind, 1000)
    oracle = oracle if oracle is not None else {"oracle_auc": 0.79, "oracle_business_cost": 0.48}
    candidates = {"dummy": CANDIDATE, "lightgbm": CANDIDATE}
    summary = evaluation.holdout_summary(y, np.linspace(0, 1, 200), 0.5)
    selection = {"on": "out_of_fold", "rule": "lowest out-of-fold cost"}
    sections = {
        feature_set: evaluation.section(
            candidates, "lightgbm", selection, {}, groups, summary, card
        )
        for feature_set in ("history", "application_only")
    }
    return evaluation.build_report(sections, kind, oracle)


def test_the_report_follows_the_schema_and_serialises() -> None:
    document = json.loads(json.dumps(report()))
    assert report_problems(document) == []
    figures = document["candidates"]["lightgbm"]
    assert figures["holdout_auc_ci"] == [0.75, 0.79] and figures["business_cost_ci"] == [0.47, 0.53]
    assert document["oracle_auc"] == 0.79
    assert document["selection"]["on"] == "out_of_fold"
    assert set(document["feature_sets"]) == {"history", "application_only"}
    assert {"out_of_fold", "holdout"} == set(document["figure_kinds"])


def test_schema_problems_are_named() -> None:
    broken = report()
    del broken["candidates"]["dummy"]["holdout_auc"]
    broken["champion"] = "ghost"
    broken["oracle_auc"] = None
    assert report_problems(broken) == [
        "dummy: missing holdout_auc",
        "champion is not a candidate",
        "synthetic data without oracle figures",
    ]


def test_the_model_card_warns_on_synthetic_data_only() -> None:
    assert "SYNTHETIC" in report()["model_card"]["warning"]
    assert "warning" not in report("real", {})["model_card"]
    assert "SYNTHETIC DATA" in evaluation.report_markdown(report())


def test_group_rates_by_gender_and_age_band() -> None:
    groups = report()["groups"]
    assert set(groups["CODE_GENDER"]) == {"F", "M"}
    assert set(groups["age_band"]) == {"<30", "30-39", "40-49", "50-59", "60+"}
    for rates in groups["CODE_GENDER"].values():
        assert set(rates) == {
            "clients",
            "default_rate",
            "approval_rate",
            "false_negative_rate",
            "false_positive_rate",
        }
        assert 0.0 <= rates["approval_rate"] <= 1.0


def test_oracle_figures_come_from_the_true_probabilities_of_the_holdout_clients() -> None:
    ids = pd.Index([1, 2, 3, 4])
    truth = pd.DataFrame({"SK_ID_CURR": [4, 3, 2, 1, 9], "probability": [0.9, 0.05, 0.5, 0.01, 1]})
    figures = evaluation.oracle_figures(truth, ids, np.array([1, 0, 1, 0]))
    # At the Bayes threshold 1/11 the good clients 2 and 4 are refused, defaulters 1 and 3 missed.
    assert figures["oracle_business_cost"] == pytest.approx((10 * 2 + 2) / 4)
    assert figures["oracle_auc"] == 0.0
    with pytest.raises(ValueError, match="no true probability"):
        evaluation.oracle_figures(truth, pd.Index([1, 7]), np.array([0, 1]))


def test_the_truth_file_is_found_beside_a_synthetic_source(tmp_path: Path) -> None:
    assert evaluation.truth_file(tmp_path) is None
    (tmp_path / "_truth").mkdir()
    (tmp_path / "_truth" / "true_default_probability.csv").write_text("SK_ID_CURR,probability\n")
    assert evaluation.truth_file(tmp_path) == tmp_path / evaluation.TRUTH_FILE
