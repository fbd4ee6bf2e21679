"""The evaluation report: per feature set, candidates side by side, the champion, fairness by
group, a model card; the oracle.

Two kinds of figures, named apart: ``cv_*`` and ``oof_*`` are out-of-fold figures on the training
clients (they chose the champion; ``oof_business_cost`` is cross-fitted, so no calibration or
threshold was fitted on the rows it is counted on), ``holdout_*``, ``business_cost`` and the
group rates are measured once on the holdout clients, which no model, calibration, threshold or
choice saw, with 95 % bootstrap intervals. On synthetic data the generator's true default
probabilities give the oracle: the best AUC and business cost any model could reach on these
clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.metrics import roc_auc_score

from credit_assets.features.feature_sets import FIGURE_KINDS, PROTECTED_ATTRIBUTES
from credit_assets.models.cost import bayes_threshold, confusion

TRUTH_FILE = Path("_truth") / "true_default_probability.csv"
CANDIDATE_FIELDS = (
    "cv_auc_mean",
    "cv_auc_std",
    "oof_auc",
    "oof_business_cost",
    "oof_business_cost_in_sample",
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
INTERVALS = {
    "holdout_auc_ci": ("holdout_auc_ci_low", "holdout_auc_ci_high"),
    "business_cost_ci": ("business_cost_ci_low", "business_cost_ci_high"),
}
AGE_DECISION = (
    "Age (DAYS_BIRTH and the features derived from it) stays a model input: it is a lawful"
    " credit factor in many regimes and carries real signal here; it is never given as a"
    " refusal reason worded as the applicant's age. Its effect on each group is monitored in"
    " the age-band rates."
)


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


def holdout_summary(
    y: NDArray[Any], proba: NDArray[np.float64], threshold: float
) -> dict[str, float]:
    """The champion's calibration and refusals on the holdout: mean probability against the
    default rate, and the share refused at its threshold."""
    return {
        "clients": float(len(y)),
        "default_rate": float(np.mean(y)),
        "mean_probability": float(np.mean(proba)),
        "refusal_rate": float(np.mean(proba >= threshold)),
    }


def model_card(
    champion: str,
    metrics: Mapping[str, float],
    data_kind: str,
    train_rows: int,
    feature_set: str = "history",
) -> dict[str, str]:
    """A short model card; it warns loudly when the figures come from synthetic data."""
    sources = (
        "the application and the credit-history tables"
        if feature_set == "history"
        else "the application only (it scores applicants who send no credit history)"
    )
    card = {
        "intended_use": (
            "Rank and decide consumer-credit applications by probability of default, as a"
            " decision aid for credit officers who review refusals; not for automated final"
            " decisions without human review."
        ),
        "data": (
            f"{data_kind} Home Credit-format applications; {train_rows} training clients;"
            f" client features from {sources}."
        ),
        "excluded_attributes": (
            f"{', '.join(PROTECTED_ATTRIBUTES)}: protected attribute, never a model input nor a"
            " reason; kept only to monitor approval and error rates by group."
        ),
        "age": AGE_DECISION,
        "selection": (
            "chosen on out-of-fold figures (cross-fitted business cost, then CV AUC); the"
            " holdout was scored once, after the choice."
        ),
        "metrics": (
            f"{champion}: out-of-fold AUC {metrics.get('cv_auc_mean', float('nan')):.3f} and"
            f" business cost {metrics.get('oof_business_cost', float('nan')):.3f} per client;"
            f" holdout AUC {metrics.get('holdout_auc', float('nan')):.3f}"
            f" [{metrics.get('holdout_auc_ci_low', float('nan')):.3f},"
            f" {metrics.get('holdout_auc_ci_high', float('nan')):.3f}], business cost"
            f" {metrics.get('business_cost', float('nan')):.3f} per client (10 x missed default"
            " + 1 x good client refused), threshold"
            f" {metrics.get('threshold', 0):.3f} on calibrated probabilities."
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


def section(
    candidates: Mapping[str, Mapping[str, float]],
    champion: str,
    selection: Mapping[str, str],
    gates: Mapping[str, Any],
    groups: Mapping[str, Any],
    holdout: Mapping[str, float],
    card: Mapping[str, str],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One feature set's part of the report: its candidates, champion, choice and card."""
    return {
        "candidates": {name: _candidate(m) for name, m in candidates.items()},
        "champion": champion,
        "selection": dict(selection),
        "gates": dict(gates),
        "holdout": dict(holdout),
        "groups": dict(groups),
        "model_card": dict(card),
        **(extra or {}),
    }


def _candidate(metrics: Mapping[str, float]) -> dict[str, Any]:
    figures: dict[str, Any] = {f: float(metrics[f]) for f in CANDIDATE_FIELDS if f in metrics}
    for name, (low, high) in INTERVALS.items():
        if low in metrics and high in metrics:
            figures[name] = [float(metrics[low]), float(metrics[high])]
    return figures


def build_report(
    sections: Mapping[str, Mapping[str, Any]],
    data_kind: str,
    oracle: Mapping[str, float] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document written to ``reports/evaluation.json``.

    The history champion's section is also spread at the top level (``candidates``,
    ``champion``, ``selection``, ...), the figures a reader looks for first; every section is
    under ``feature_sets``.
    """
    main = sections["history"] if "history" in sections else next(iter(sections.values()))
    report: dict[str, Any] = {
        "data_kind": data_kind,
        **main,
        "feature_sets": {name: dict(s) for name, s in sections.items()},
        "figure_kinds": FIGURE_KINDS,
        "oracle_auc": None,
        "oracle_business_cost": None,
    }
    if oracle:
        report.update(oracle)
    report.update(extra or {})
    return report


def report_markdown(report: Mapping[str, Any]) -> str:
    """The report as markdown for the Dagster UI."""
    lines = [f"**Evaluation** ({report['data_kind']} data)", ""]
    if "warning" in report["model_card"]:
        lines += [f"> {report['model_card']['warning']}", ""]
    for name, part in report.get("feature_sets", {"history": report}).items():
        lines += [
            f"### {name}: champion {part['champion']}",
            "",
            f"Chosen on {part['selection']['on']} figures: {part['selection']['rule']}.",
            "",
            "| candidate | CV AUC | OOF cost | holdout AUC [95 %] | holdout cost [95 %] |"
            " threshold | fit s |",
            "|---|---|---|---|---|---|---|",
        ]
        for candidate, m in part["candidates"].items():
            auc_ci = m.get("holdout_auc_ci", [float("nan")] * 2)
            cost_ci = m.get("business_cost_ci", [float("nan")] * 2)
            lines.append(
                f"| {candidate} | {m['cv_auc_mean']:.3f} ± {m['cv_auc_std']:.3f}"
                f" | {m.get('oof_business_cost', float('nan')):.3f}"
                f" | {m['holdout_auc']:.3f} [{auc_ci[0]:.3f}, {auc_ci[1]:.3f}]"
                f" | {m['business_cost']:.3f} [{cost_ci[0]:.3f}, {cost_ci[1]:.3f}]"
                f" | {m['threshold']:.3f} | {m['fit_seconds']:.1f} |"
            )
        h = part.get("holdout")
        if h:
            lines += [
                "",
                f"Holdout: mean probability {h['mean_probability']:.4f} against a default rate"
                f" of {h['default_rate']:.4f}; {h['refusal_rate']:.1%} refused.",
            ]
        for grouping, values in part["groups"].items():
            lines += [
                "",
                f"| {grouping} | clients | approval | FNR | FPR |",
                "|---|---|---|---|---|",
            ]
            for value, g in values.items():
                lines.append(
                    f"| {value} | {g['clients']} | {g['approval_rate']:.3f}"
                    f" | {g['false_negative_rate']:.3f} | {g['false_positive_rate']:.3f} |"
                )
        lines += [""]
    if report.get("oracle_auc") is not None:
        lines += [
            f"Oracle (true probabilities): AUC {report['oracle_auc']:.3f},"
            f" cost/client {report['oracle_business_cost']:.3f}",
            "",
        ]
    lines += ["**Model card** (history champion)", ""]
    lines += [f"- *{k.replace('_', ' ')}*: {v}" for k, v in report["model_card"].items()]
    return "\n".join(lines)
