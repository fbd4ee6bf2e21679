"""The evaluation report: candidates side by side, the oracle, fairness by group, a model card.

Everything is computed on the holdout clients, which no model, calibration or threshold saw.
On synthetic data the generator's true default probabilities give the oracle: the best AUC and
business cost any model could reach on these clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.metrics import roc_auc_score

from credit_assets.models.cost import bayes_threshold, confusion

TRUTH_FILE = Path("_truth") / "true_default_probability.csv"
CANDIDATE_FIELDS = (
    "cv_auc_mean",
    "cv_auc_std",
    "holdout_auc",
    "business_cost",
    "threshold",
    "fit_seconds",
    "brier",
    "brier_uncalibrated",
    "accuracy",
    "recall",
)
AGE_BANDS = (0, 30, 40, 50, 60, 200)
AGE_LABELS = ("<30", "30-39", "40-49", "50-59", "60+")
MIN_GROUP_SIZE = 30


def truth_file(source: Path) -> Path | None:
    """The generator's true probabilities for a synthetic source folder (or the zip's folder)."""
    folder = source if source.is_dir() else source.parent
    path = folder / TRUTH_FILE
    return path if path.is_file() else None


def oracle_figures(
    truth: pd.DataFrame, holdout_ids: pd.Index, y_holdout: NDArray[Any]
) -> dict[str, float]:
    """AUC and business cost of deciding with the true probabilities (at the Bayes threshold).

    Raises:
        ValueError: if a holdout client has no true probability.
    """
    probability = truth.set_index("SK_ID_CURR")["probability"].reindex(holdout_ids)
    if bool(probability.isna().to_numpy().any()):
        raise ValueError("some holdout clients have no true probability")
    p = probability.to_numpy()
    return {
        "oracle_auc": float(roc_auc_score(y_holdout, p)),
        "oracle_business_cost": confusion(y_holdout, p, bayes_threshold()).cost(),
    }


def age_band(frame: pd.DataFrame) -> pd.Series:
    """Age bands from ``AGE_YEARS`` (or ``DAYS_BIRTH``), missing when neither is present."""
    if "AGE_YEARS" in frame.columns:
        years = frame["AGE_YEARS"].astype(float)
    elif "DAYS_BIRTH" in frame.columns:
        years = -frame["DAYS_BIRTH"].astype(float) / 365.25
    else:
        return pd.Series(pd.NA, index=frame.index, dtype="object")
    bands = pd.cut(years.to_numpy(), AGE_BANDS, right=False, labels=list(AGE_LABELS))
    return pd.Series(np.asarray(bands, dtype=object), index=frame.index)


def group_metrics(
    holdout: pd.DataFrame, y: NDArray[Any], proba: NDArray[np.float64], threshold: float
) -> dict[str, dict[str, dict[str, float]]]:
    """Approval rate, false-negative and false-positive rates by gender and by age band.

    Groups under ``MIN_GROUP_SIZE`` clients are left out (their rates would be noise).
    """
    groupings = {
        "CODE_GENDER": holdout["CODE_GENDER"]
        if "CODE_GENDER" in holdout.columns
        else pd.Series(pd.NA, index=holdout.index),
        "age_band": age_band(holdout),
    }
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, labels in groupings.items():
        values = labels.astype("object").where(labels.notna(), "missing").to_numpy()
        out[name] = {}
        for value in sorted(set(values), key=str):
            mask = values == value
            if mask.sum() < MIN_GROUP_SIZE:
                continue
            c = confusion(y[mask], proba[mask], threshold)
            out[name][str(value)] = {
                "clients": int(mask.sum()),
                "default_rate": float(np.mean(y[mask])),
                "approval_rate": c.approval_rate,
                "false_negative_rate": c.fnr,
                "false_positive_rate": c.fpr,
            }
    return out


def model_card(
    champion: str, metrics: Mapping[str, float], data_kind: str, train_rows: int
) -> dict[str, str]:
    """A short model card; it warns loudly when the figures come from synthetic data."""
    card = {
        "intended_use": (
            "Rank and decide consumer-credit applications by probability of default, as a"
            " decision aid for credit officers who review refusals; not for automated final"
            " decisions without human review."
        ),
        "data": (
            f"{data_kind} Home Credit-format applications; {train_rows} training clients;"
            " client features from the application and the credit-history tables."
        ),
        "metrics": (
            f"{champion}: holdout AUC {metrics.get('holdout_auc', float('nan')):.3f}, business"
            f" cost {metrics.get('business_cost', float('nan')):.3f} per client (10 x missed"
            f" default + 1 x good client refused), threshold {metrics.get('threshold', 0):.3f}"
            " on calibrated probabilities."
        ),
        "limits": (
            "Trained on past applications: drifts with the population; group rates above are"
            " descriptive, not a fairness audit; probabilities are calibrated on the training"
            " population and the threshold assumes the 10:1 cost ratio."
        ),
    }
    if data_kind == "synthetic":
        card["warning"] = (
            "SYNTHETIC DATA: these clients are generated, not real Home Credit clients. The"
            " figures show the pipeline works; they say nothing about real credit risk."
        )
    return card


def build_report(
    candidates: Mapping[str, Mapping[str, float]],
    champion: str,
    gates: Mapping[str, Any],
    groups: Mapping[str, Any],
    card: Mapping[str, str],
    data_kind: str,
    oracle: Mapping[str, float] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document written to ``reports/evaluation.json``."""
    report: dict[str, Any] = {
        "data_kind": data_kind,
        "candidates": {
            name: {f: float(m[f]) for f in CANDIDATE_FIELDS if f in m}
            for name, m in candidates.items()
        },
        "champion": champion,
        "gates": dict(gates),
        "oracle_auc": None,
        "oracle_business_cost": None,
        "groups": dict(groups),
        "model_card": dict(card),
    }
    if oracle:
        report.update(oracle)
    report.update(extra or {})
    return report


def report_markdown(report: Mapping[str, Any]) -> str:
    """The report as markdown for the Dagster UI."""
    lines = [f"**Champion: {report['champion']}** ({report['data_kind']} data)", ""]
    if "warning" in report["model_card"]:
        lines += [f"> {report['model_card']['warning']}", ""]
    lines += [
        "| candidate | CV AUC | holdout AUC | cost/client | threshold | Brier | fit s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m in report["candidates"].items():
        lines.append(
            f"| {name} | {m['cv_auc_mean']:.3f} ± {m['cv_auc_std']:.3f} | {m['holdout_auc']:.3f}"
            f" | {m['business_cost']:.3f} | {m['threshold']:.3f} | {m.get('brier', 0):.4f}"
            f" | {m['fit_seconds']:.1f} |"
        )
    if report.get("oracle_auc") is not None:
        lines += [
            "",
            f"Oracle (true probabilities): AUC {report['oracle_auc']:.3f},"
            f" cost/client {report['oracle_business_cost']:.3f}",
        ]
    for grouping, values in report["groups"].items():
        lines += ["", f"| {grouping} | clients | approval | FNR | FPR |", "|---|---|---|---|---|"]
        for value, g in values.items():
            lines.append(
                f"| {value} | {g['clients']} | {g['approval_rate']:.3f}"
                f" | {g['false_negative_rate']:.3f} | {g['false_positive_rate']:.3f} |"
            )
    lines += ["", "**Model card**", ""]
    lines += [f"- *{k.replace('_', ' ')}*: {v}" for k, v in report["model_card"].items()]
    return "\n".join(lines)
