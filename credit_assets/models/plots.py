"""The figures logged with each candidate: ROC, cost vs threshold, calibration, importance.

Each function writes one PNG and returns its path. Figures are built with matplotlib's object API
(no pyplot), so nothing global is touched and no display is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import NDArray
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score, roc_curve

from credit_assets.models.cost import cost_curve


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    return path


def _axis(width: float, height: float) -> tuple[Figure, Any]:
    figure = Figure(figsize=(width, height))
    return figure, figure.subplots()


def roc_png(y: NDArray[Any], scores: dict[str, NDArray[np.float64]], path: Path) -> Path:
    """ROC curves of one or more score vectors on the same clients."""
    figure, axis = _axis(5, 5)
    for name, s in scores.items():
        fpr, tpr, _ = roc_curve(y, s)
        axis.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(y, s):.3f})")
    axis.plot([0, 1], [0, 1], "k:", linewidth=0.8)
    axis.set(xlabel="false-positive rate", ylabel="true-positive rate", title="ROC (holdout)")
    axis.legend(loc="lower right", fontsize=8)
    return _save(figure, path)


def cost_png(y: NDArray[Any], proba: NDArray[np.float64], threshold: float, path: Path) -> Path:
    """Business cost per client against the threshold, with the chosen threshold marked."""
    thresholds, costs = cost_curve(y, proba)
    figure, axis = _axis(6, 4)
    axis.plot(np.clip(thresholds, 0, 1), costs)
    axis.axvline(threshold, color="tab:red", linestyle="--", label=f"threshold {threshold:.3f}")
    axis.set(xlabel="threshold on P(default)", ylabel="cost per client (10 FN + FP)")
    axis.set_xlim(0, min(1.0, max(0.5, 3 * threshold)))
    axis.legend()
    return _save(figure, path)


def calibration_png(
    y: NDArray[Any],
    calibrated: NDArray[np.float64],
    uncalibrated: NDArray[np.float64],
    path: Path,
) -> Path:
    """Reliability diagram: predicted vs observed default rate, before and after calibration."""
    figure, axis = _axis(5, 5)
    for label, p in (("as trained (undersampled)", uncalibrated), ("calibrated", calibrated)):
        observed, predicted = calibration_curve(y, p, n_bins=10, strategy="quantile")
        axis.plot(predicted, observed, marker="o", label=label)
    axis.plot([0, 1], [0, 1], "k:", linewidth=0.8)
    axis.set(xlabel="mean predicted P(default)", ylabel="observed default rate")
    axis.legend(fontsize=8)
    return _save(figure, path)


def importance_png(importance: pd.Series, path: Path, top: int = 20) -> Path:
    """The ``top`` most important features, largest at the top."""
    largest = importance.sort_values(ascending=False).head(top).iloc[::-1]
    figure, axis = _axis(7, 0.3 * len(largest) + 1)
    axis.barh([str(i) for i in largest.index], largest.to_numpy())
    axis.set(xlabel="importance", title="feature importance")
    return _save(figure, path)
