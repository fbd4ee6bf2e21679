"""The served artefact: preprocessing, model, calibration, threshold and feature names together.

``ScoringModel`` is everything needed to score a client from the client-feature row, with no
Dagster, MLflow or training code involved::

    model = ScoringModel.load(path)
    p = model.predict_proba(features)          # calibrated P(default), one per row
    model.decide(p)                            # "refused" where p >= model.threshold
    model.explain(features, top_k=10)          # exact contributions to logit(p)

Missing feature columns and unseen categories are treated as missing values, so a new applicant
without bureau or previous-credit history is scored the same way as in training.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.linear_model import LogisticRegression

from credit_assets.models.calibration import Calibration
from credit_assets.models.explain import centred, contributions
from credit_assets.models.preprocessing import SMALL_BATCH, columns_in_order
from credit_assets.models.scores import LinearShortcut, raw_scores

ACCEPTED = "accepted"
REFUSED = "refused"


@dataclass(frozen=True)
class Contribution:
    """One feature's push on the calibrated log-odds of default (positive: riskier)."""

    feature: str
    value: Any
    contribution: float


@dataclass(frozen=True)
class Explanation:
    """Why one client got their score: ``base + sum(all contributions) == logit(probability)``."""

    probability: float
    decision: str
    base: float
    contributions: list[Contribution]
    other: float
    """The summed contributions of the features outside the top ``k``."""


@dataclass
class ScoringModel:
    """A fitted candidate ready to serve: calibrated P(default), decision and explanation."""

    name: str
    prep: Any
    model: Any
    calibration: Calibration
    threshold: float
    feature_names: list[str]
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    version: str = ""
    trained_at: str = ""
    data_kind: str = "unknown"
    feature_set: str = "history"
    """``history`` (every client feature) or ``application_only`` (a raw application's)."""
    training_ids: NDArray[np.int64] | None = field(default=None, repr=False, compare=False)
    """The SK_ID_CURR of the clients it learnt from: a later comparison must leave them out."""
    contribution_means: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)
    """Each feature's mean raw contribution over a sample of training clients (see
    :func:`credit_assets.models.explain.background_means`): subtracted from every contribution
    and added to the base, so contributions are measured from the average client. ``None``
    (artefacts packaged before it existed): contributions as the model gives them."""
    _shortcut: LinearShortcut | None = field(default=None, init=False, repr=False, compare=False)
    _columns_in_order: pd.Index | None = field(default=None, init=False, repr=False, compare=False)

    def _frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        if columns_in_order(self, frame.columns, self.feature_names):
            return frame
        return frame.reindex(columns=self.feature_names)

    def raw_score(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        """The model's uncalibrated score (log-odds, or probability for forest and dummy)."""
        aligned = self._frame(frame)
        shortcut = self._linear_shortcut(aligned)
        if shortcut is not None:
            return shortcut(aligned)
        return np.asarray(raw_scores(self.prep, self.model, aligned), dtype=np.float64)

    def __getstate__(self) -> dict[str, Any]:
        """Saved without the folded linear model (rebuilt from ``prep`` and ``model``) and the
        last matching columns (a cache, see ``preprocessing.columns_in_order``)."""
        return {**self.__dict__, "_shortcut": None, "_columns_in_order": None}

    def _linear_shortcut(self, frame: pd.DataFrame) -> LinearShortcut | None:
        """The folded linear model for a few rows of a logistic regression, else ``None``."""
        if len(frame) > SMALL_BATCH or not isinstance(self.model, LogisticRegression):
            return None
        if self._shortcut is None:
            self._shortcut = LinearShortcut.of(self.prep, self.model)
        return self._shortcut

    def predict_proba(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        """Calibrated probability of default for each row of the client-feature frame."""
        return self.calibration(self.raw_score(frame))

    def decide(self, proba: ArrayLike) -> NDArray[np.str_]:
        """``"refused"`` where the probability reaches the cost-optimal threshold, else accepted."""
        refused = np.asarray(proba, dtype=np.float64) >= self.threshold
        return np.where(refused, REFUSED, ACCEPTED)

    def explain(
        self,
        frame: pd.DataFrame,
        top_k: int = 10,
        contributions: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
    ) -> list[Explanation]:
        """The ``top_k`` features pushing each row's calibrated log-odds the most, either way
        (``contributions``: the rows' :meth:`feature_contributions`, when already computed).

        Contributions are exact: for each row, ``base + sum(contributions) + other`` equals
        ``logit(predict_proba(row))``.
        """
        aligned = self._frame(frame)
        if contributions is None:
            contributions = self.feature_contributions(aligned)
        base, parts = contributions
        proba = self.predict_proba(aligned)
        decisions = self.decide(proba)
        explanations = []
        for row in range(len(aligned)):
            order = np.argsort(-np.abs(parts[row]), kind="stable")[:top_k]
            top = [
                Contribution(
                    self.feature_names[i], _plain(aligned.iat[row, i]), float(parts[row, i])
                )
                for i in order
            ]
            other = float(parts[row].sum() - parts[row, order].sum())
            explanations.append(
                Explanation(float(proba[row]), str(decisions[row]), float(base[row]), top, other)
            )
        return explanations

    def feature_contributions(
        self, frame: pd.DataFrame
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(base, contributions)`` on the calibrated log-odds, one column per feature.

        Exact because the calibration is affine in the raw score; with no calibration of a
        probability score (``method == "none"``) they stay on the raw probability. With
        ``contribution_means`` the base is the average training client's log-odds and each
        feature's contributions average zero over the training clients.
        """
        aligned = self._frame(frame)
        shortcut = self._linear_shortcut(aligned)
        if shortcut is not None:
            base, parts = shortcut.contributions(aligned, self.feature_names)
        else:
            base, parts = contributions(self.prep, self.model, aligned, self.feature_names)
        if self.contribution_means is not None:
            base, parts = centred(base, parts, self.contribution_means)
        if self.calibration.method == "none" and self.calibration.raw_space == "probability":
            return base, parts
        slope, intercept = self.calibration.slope, self.calibration.intercept
        return slope * base + intercept, slope * parts

    def feature_importance(self) -> pd.Series:
        """Global importance per feature (split gain, |coefficient| or impurity decrease)."""
        model = self.model
        if hasattr(model, "booster_"):
            values = model.booster_.feature_importance(importance_type="gain")
        elif hasattr(model, "feature_importances_"):
            values = model.feature_importances_
        elif hasattr(model, "coef_"):
            from credit_assets.models.preprocessing import linear_feature_groups

            grouped = pd.Series(np.abs(model.coef_[0]), index=linear_feature_groups(self.prep))
            summed = grouped.groupby(level=0).sum()
            return pd.Series(summed.reindex(self.feature_names, fill_value=0.0), dtype=float)
        else:
            values = np.zeros(len(self.feature_names))
        return pd.Series(np.asarray(values, dtype=float), index=self.feature_names)

    def save(self, path: Path) -> Path:
        """Write the artefact with joblib (atomically: a reader never sees half a file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".partial")
        joblib.dump(self, partial, compress=3)
        partial.replace(path)
        return path

    @classmethod
    def load(cls, path: Path | str) -> ScoringModel:
        """Read an artefact written by :meth:`save` (joblib: load only files you trust).

        Raises:
            TypeError: if the file holds something else.
        """
        loaded = joblib.load(path)
        if not isinstance(loaded, cls):
            raise TypeError(f"{path} holds a {type(loaded).__name__}, not a ScoringModel")
        return loaded


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a feature value (numpy scalars become Python, NaN becomes None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return None if value is pd.NA else value
