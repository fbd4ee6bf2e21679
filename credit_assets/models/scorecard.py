"""The points scorecard: optimal bins, weight of evidence, a logistic regression, points per bin.

Fitting (5 s on the 3,924 balanced demo clients x 737 columns, under 1 s of it the screen;
20 features come out):

1. every column but the protected ones is screened by a quick quantile information value (IV);
2. the ``screen`` best get optimal bins (optbinning; numeric ones with a monotonic risk trend);
3. features with IV >= ``min_iv`` are taken by decreasing IV, skipping any whose WoE correlates
   above ``max_correlation`` with one already taken, up to ``n_features``;
4. a logistic regression on their WoE; a feature whose coefficient comes out positive (risk
   falling where its bins say it rises, a collinearity artefact) is dropped and the rest refitted.

The raw score is the log-odds of default, ``intercept + sum(coef * WoE)``, so Platt calibration
and explanations stay exact. Points are scaled as banks do: ``PDO`` points double the odds of
repaying and ``BASE_POINTS`` stand for odds of ``BASE_ODDS`` to 1; each feature's bins carry
``-factor * coef * WoE`` plus an equal share of the intercept, so a client's points add up to the
score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression

from credit_assets.models.binning import FeatureBins, optimal_bins, quick_iv
from credit_assets.models.preprocessing import SMALL_BATCH

if TYPE_CHECKING:
    from credit_assets.models.scoring_model import ScoringModel

PDO = 20.0
"""Points to double the odds of repaying."""
BASE_POINTS = 600.0
BASE_ODDS = 50.0
"""``BASE_POINTS`` points mean odds of 50 repaying clients to 1 defaulter."""
PROTECTED = ("CODE_GENDER",)
"""Never a model input, whatever its information value."""


def points_scale(
    pdo: float = PDO, base_points: float = BASE_POINTS, base_odds: float = BASE_ODDS
) -> tuple[float, float]:
    """``(factor, offset)`` with ``points = offset + factor * ln(odds of repaying)``."""
    factor = pdo / np.log(2.0)
    return factor, base_points - factor * np.log(base_odds)


class FramePassthrough(TransformerMixin, BaseEstimator):
    """The scorecard's preprocessing: none, the raw columns go to the card, which bins them.

    (scikit-learn's ``FunctionTransformer`` does the same in 0.7 ms a call, a single client's
    whole scoring budget.)
    """

    def fit(self, X: pd.DataFrame, y: Any = None) -> FramePassthrough:
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return X


def frame_passthrough(frame: pd.DataFrame | None = None) -> FramePassthrough:
    """The scorecard's preprocessor (the builder ``Candidate.prep`` takes)."""
    return FramePassthrough()


class Scorecard(ClassifierMixin, BaseEstimator):
    """A points scorecard on a frame of raw feature columns (numbers and text categories).

    Fitted, it holds plain tables only (``bins_``, ``coef_``, ``intercept_``): scoring, points
    and explanations need neither optbinning nor scikit-learn's logistic regression.
    """

    def __init__(
        self,
        n_features: int = 30,
        max_n_bins: int = 6,
        min_bin_size: float = 0.05,
        C: float = 0.1,
        screen: int = 60,
        min_iv: float = 0.02,
        max_correlation: float = 0.7,
        monotonic_trend: str = "auto_asc_desc",
        class_weight: Any = None,
    ) -> None:
        self.n_features = n_features
        self.max_n_bins = max_n_bins
        self.min_bin_size = min_bin_size
        self.C = C
        self.screen = screen
        self.min_iv = min_iv
        self.max_correlation = max_correlation
        self.monotonic_trend = monotonic_trend
        self.class_weight = class_weight

    def fit(self, X: pd.DataFrame, y: Any) -> Scorecard:
        """Bin, select and weigh the features of ``X`` for the 0/1 default labels ``y``.

        Raises:
            TypeError: if ``X`` is not a data frame (the card needs column names).
            ValueError: if ``y`` does not hold both classes 0 and 1.
        """
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"Scorecard.fit needs a pandas DataFrame, got {type(X).__name__}")
        labels = np.asarray(y)
        if set(np.unique(labels).tolist()) != {0, 1}:
            raise ValueError("Scorecard.fit needs 0/1 default labels holding both classes")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = len(X.columns)
        self.classes_ = np.array([0, 1])
        allowed = X.drop(columns=[c for c in PROTECTED if c in X.columns])
        screened = quick_iv(allowed, labels).nlargest(self.screen).index
        binned = [
            optimal_bins(
                cast(pd.Series, X[c]),
                labels,
                self.max_n_bins,
                self.min_bin_size,
                self.monotonic_trend,
            )
            for c in screened
        ]
        binned.sort(key=lambda b: -b.iv)
        strong = [b for b in binned if b.iv >= self.min_iv] or binned[:1]
        woe = np.column_stack([b.transform(X[b.feature]) for b in strong])
        chosen = _uncorrelated(woe, self.max_correlation, self.n_features)
        while True:
            model = LogisticRegression(C=self.C, max_iter=1000, class_weight=self.class_weight)
            model.fit(woe[:, chosen], labels)
            coef = np.asarray(model.coef_)[0]
            if len(chosen) == 1 or not (coef > 0).any():
                break
            chosen = [c for c, w in zip(chosen, coef, strict=True) if w <= 0]
        self.bins_ = [strong[i] for i in chosen]
        self.coef_ = coef
        self.intercept_ = float(np.asarray(model.intercept_)[0])
        self.woe_mean_ = woe[:, chosen].mean(axis=0)
        return self

    @property
    def features_(self) -> list[str]:
        """The features on the card, most informative first."""
        return [b.feature for b in self.bins_]

    def woe(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """Each row's WoE per card feature; an absent column counts as missing everywhere."""
        columns = self._columns(X)
        return np.column_stack([b.transform(v) for b, v in zip(self.bins_, columns, strict=True)])

    def _columns(self, X: pd.DataFrame) -> list[Any]:
        """The raw values of each card feature (all missing where the column is absent)."""
        if len(X) <= SMALL_BATCH:
            # One object block: selecting 30 pandas columns costs more than a client's scoring.
            block = X.reindex(columns=self.features_).to_numpy(dtype=object)
            return list(block.T)
        return [_raw(X, b) for b in self.bins_]

    def raw_score(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """Log-odds of default (of the population it was fitted on: calibrate before use)."""
        return self.woe(X) @ self.coef_ + self.intercept_

    def decision_function(self, X: pd.DataFrame) -> NDArray[np.float64]:
        return self.raw_score(X)

    def predict_proba(self, X: pd.DataFrame) -> NDArray[np.float64]:
        p = expit(self.raw_score(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> NDArray[np.int_]:
        return (self.raw_score(X) >= 0).astype(int)

    def contributions(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """Per input column, ``coef * (WoE - mean WoE of the fitted population)``, then the base.

        The base (last column) is the log-odds at the average WoE, so contributions average 0
        over the training clients and each row's base plus contributions is its raw score.
        """
        parts = np.zeros((len(X), self.n_features_in_ + 1))
        position = {name: i for i, name in enumerate(self.feature_names_in_)}
        columns = [position[f] for f in self.features_]
        parts[:, columns] = (self.woe(X) - self.woe_mean_) * self.coef_
        parts[:, -1] = self.intercept_ + float(self.woe_mean_ @ self.coef_)
        return parts

    @property
    def feature_importances_(self) -> NDArray[np.float64]:
        """Points between a feature's best and worst bin, per input column (0 off the card)."""
        factor, _ = points_scale()
        spread = {b.feature: np.ptp(b.woe) * abs(w) * factor for b, w in self._weighted()}
        return np.array([spread.get(str(c), 0.0) for c in self.feature_names_in_])

    def card(self, slope: float = 1.0, intercept: float = 0.0) -> pd.DataFrame:
        """The points table: one row per feature and bin, with its clients, WoE and points.

        ``slope`` and ``intercept`` map the raw log-odds to calibrated ones (a ``Calibration``'s
        two numbers), so the points speak of real odds rather than those of the fitted sample.
        """
        per_bin, share = self._points(slope, intercept)
        rows = [
            {
                "feature": b.feature,
                "bin": label,
                "clients": int(count),
                "default_rate": float(rate),
                "woe": float(woe),
                "points": float(points + share),
            }
            for b, points in zip(self.bins_, per_bin, strict=True)
            for label, count, rate, woe, points in zip(
                b.labels, b.counts, b.event_rate, b.woe, points, strict=True
            )
        ]
        return pd.DataFrame(rows)

    def points(self, X: pd.DataFrame, slope: float = 1.0, intercept: float = 0.0) -> pd.DataFrame:
        """Each row's points per card feature and their ``total`` (the score)."""
        per_bin, share = self._points(slope, intercept)
        values = {
            b.feature: points[b.index(values)] + share
            for b, points, values in zip(self.bins_, per_bin, self._columns(X), strict=True)
        }
        table = pd.DataFrame(values, index=X.index)
        return table.assign(total=table.sum(axis=1))

    def points_lost(
        self, X: pd.DataFrame, slope: float = 1.0, intercept: float = 0.0
    ) -> pd.DataFrame:
        """Per card feature, the points each row misses against that feature's best bin.

        The largest losses are a refusal's reasons; a row in every best bin loses nothing.
        """
        per_bin, _ = self._points(slope, intercept)
        lost = {
            b.feature: points.max() - points[b.index(values)]
            for b, points, values in zip(self.bins_, per_bin, self._columns(X), strict=True)
        }
        return pd.DataFrame(lost, index=X.index)

    def bins(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each row's bin label per card feature (the card's ``bin`` column)."""
        labels = {
            b.feature: np.asarray(b.labels, dtype=object)[b.index(values)]
            for b, values in zip(self.bins_, self._columns(X), strict=True)
        }
        return pd.DataFrame(labels, index=X.index)

    def _weighted(self) -> list[tuple[FeatureBins, float]]:
        return list(zip(self.bins_, self.coef_.tolist(), strict=True))

    def _points(self, slope: float, intercept: float) -> tuple[list[NDArray[np.float64]], float]:
        """Each feature's points per bin (before the intercept share) and the intercept share."""
        factor, offset = points_scale()
        # ln(odds of repaying) = -(calibrated log-odds of default).
        per_bin = [-factor * slope * w * b.woe for b, w in self._weighted()]
        share = (offset - factor * (slope * self.intercept_ + intercept)) / len(self.bins_)
        return per_bin, share


def _raw(X: pd.DataFrame, bins: FeatureBins) -> Any:
    if bins.feature in X.columns:
        return X[bins.feature].to_numpy()
    return np.full(len(X), np.nan)


def _uncorrelated(woe: NDArray[np.float64], max_correlation: float, limit: int) -> list[int]:
    """Columns in order, skipping any correlated above ``max_correlation`` with one kept."""
    with np.errstate(divide="ignore", invalid="ignore"):
        correlation = np.nan_to_num(np.abs(np.corrcoef(woe, rowvar=False)), nan=0.0)
    correlation = np.atleast_2d(correlation)
    kept: list[int] = []
    for column in range(woe.shape[1]):
        if len(kept) >= limit:
            break
        if not kept or correlation[column, kept].max() <= max_correlation:
            kept.append(column)
    return kept


def _card_of(model: ScoringModel) -> Scorecard:
    if not isinstance(model.model, Scorecard):
        raise TypeError(f"{model.name} is a {type(model.model).__name__}, not a points scorecard")
    return model.model


def points_table(model: ScoringModel) -> pd.DataFrame:
    """A served scorecard's card (feature, bin, clients, default rate, WoE, points), its points
    on the calibrated odds.

    Raises:
        TypeError: if the model is not a scorecard.
    """
    card = _card_of(model)
    return card.card(model.calibration.slope, model.calibration.intercept)


def client_points(model: ScoringModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Each client's points per card feature and ``total`` (the score) on the calibrated odds.

    Raises:
        TypeError: if the model is not a scorecard.
    """
    card = _card_of(model)
    return card.points(frame, model.calibration.slope, model.calibration.intercept)


def points_lost(model: ScoringModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Per card feature, the points each client misses against its best bin (refusal reasons).

    Raises:
        TypeError: if the model is not a scorecard.
    """
    card = _card_of(model)
    return card.points_lost(frame, model.calibration.slope, model.calibration.intercept)


def client_bins(model: ScoringModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Each client's bin label per card feature.

    Raises:
        TypeError: if the model is not a scorecard.
    """
    return _card_of(model).bins(frame)


def cutoff_points(model: ScoringModel) -> float:
    """The served threshold in points: a client scoring this many points or fewer is refused
    (their probability of default reaches the threshold).

    Raises:
        TypeError: if the model is not a scorecard.
        ValueError: if the threshold is not a probability strictly between 0 and 1.
    """
    _card_of(model)
    threshold = float(model.threshold)
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold {threshold} has no cut-off in points: it must be in (0, 1)")
    factor, offset = points_scale()
    # points = offset + factor * ln(odds of repaying), and those odds are (1 - p) / p.
    return float(offset + factor * np.log((1.0 - threshold) / threshold))


def card_markdown(table: pd.DataFrame, rows: int = 40) -> str:
    """The first ``rows`` of a points table as a markdown table (Dagster metadata, reports)."""
    lines = [
        "| feature | bin | clients | default rate | WoE | points |",
        "|---|---|---|---|---|---|",
    ]
    for r in table.head(rows).to_dict("records"):
        lines.append(
            f"| {r['feature']} | {r['bin']} | {r['clients']} | {r['default_rate']:.3f}"
            f" | {r['woe']:+.3f} | {r['points']:.1f} |"
        )
    return "\n".join(lines)
