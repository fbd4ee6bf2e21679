"""The identities a model-risk reviewer checks by hand in the validation report.

Each check re-derives a number from others of the same report (or from the holdout itself), so a
report whose sections were computed on different clients, scores or thresholds is caught before
anyone reads it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import roc_auc_score

from credit_assets.models.validation_report import decile_groups

TOLERANCE = 1e-9


def section_problems(section: Mapping[str, Any]) -> list[str]:
    """What does not add up inside one champion's section (empty when consistent)."""
    problems = []
    kind = section["kind"]
    clients = section["holdout"]["clients"]
    auc, gini = section["discrimination"]["auc"], section["discrimination"]["gini"]
    for bound in ("estimate", "low", "high"):
        if not math.isclose(gini[bound], 2 * auc[bound] - 1, abs_tol=TOLERANCE):
            problems.append(f"{kind}: Gini {bound} {gini[bound]} is not 2 AUC - 1")
    if not auc["low"] <= auc["estimate"] <= auc["high"]:
        problems.append(f"{kind}: the AUC {auc['estimate']} lies outside its interval")
    deciles = section["calibration"]["deciles"]
    if sum(d["clients"] for d in deciles) != clients:
        problems.append(f"{kind}: the deciles hold {sum(d['clients'] for d in deciles)} clients")
    if sum(d["defaulters"] for d in deciles) != section["holdout"]["defaulters"]:
        problems.append(f"{kind}: the deciles' defaulters do not sum to the holdout's")
    for grouping, rows in section["fairness"]["groupings"].items():
        total = sum(r["clients"] for r in rows)
        if total != clients:
            problems.append(f"{kind}: the {grouping} groups hold {total} of {clients} clients")
    return problems


def score_problems(section: Mapping[str, Any], y: ArrayLike, proba: ArrayLike) -> list[str]:
    """What in the section disagrees with the holdout's labels and scores recomputed from
    scratch: sklearn's AUC, and each decile's observed rate as the labels' mean."""
    kind = section["kind"]
    y_arr, p = np.asarray(y).astype(int), np.asarray(proba, dtype=np.float64)
    problems = []
    reference = float(roc_auc_score(y_arr, p))
    if not math.isclose(section["discrimination"]["auc"]["estimate"], reference, abs_tol=1e-12):
        problems.append(f"{kind}: AUC differs from sklearn's {reference}")
    deciles = section["calibration"]["deciles"]
    labels = decile_groups(p, len(deciles))
    for d in deciles:
        observed = float(y_arr[labels == d["decile"]].mean())
        if not math.isclose(d["observed_rate"], observed, abs_tol=TOLERANCE):
            problems.append(f"{kind}: decile {d['decile']} observed rate is not the labels' mean")
    return problems


def report_problems(report: Mapping[str, Any]) -> list[str]:
    """Every section's problems, plus a missing synthetic-data warning."""
    problems = []
    for section in report["champions"].values():
        problems += section_problems(section)
        if report["synthetic"] and "warning" not in section["model_card"]:
            problems.append(f"{section['kind']}: synthetic data without the card's warning")
    return problems
