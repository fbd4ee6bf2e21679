"""Turn correlated normal scores into column values through the fitted marginals.

Each table is described in ``stats.json.gz`` (written by ``credit_assets.synth.fit``) by its
columns' marginals, the copula variables (values plus missing and sentinel indicators) and their
latent correlation. :class:`TableModel` samples rows of one table from that description.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from scipy.special import ndtr, ndtri

from credit_assets import kaggle

STATS_FILE = Path(__file__).resolve().parent / "stats.json.gz"


@cache
def load_stats() -> dict:
    """The fitted statistics shipped with the package."""
    with gzip.open(STATS_FILE, "rt") as handle:
        return json.load(handle)


def level_scores(probs: np.ndarray) -> np.ndarray:
    """Mid-rank normal scores of ordered levels (the same mapping the fit used)."""
    cum = np.concatenate([[0.0], np.cumsum(probs) / np.sum(probs)])
    return ndtri(np.clip((cum[:-1] + cum[1:]) / 2, 1e-6, 1 - 1e-6))


@dataclass
class Column:
    """One column: its latent value score -> value, and its missing/sentinel shares."""

    name: str
    spec: dict
    cum: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        probs = np.asarray(self.spec.get("probs", [1.0]), float)
        self.cum = np.cumsum(probs) / probs.sum()

    @property
    def kind(self) -> str:
        return self.spec["kind"]

    def codes(self, z: np.ndarray) -> np.ndarray:
        """Level index of each latent score (categories and discrete values)."""
        return np.minimum(np.searchsorted(self.cum, ndtr(z)), len(self.cum) - 1)

    def values(self, z: np.ndarray) -> np.ndarray:
        """Numeric values for latent scores (continuous or discrete columns)."""
        if self.kind == "discrete":
            return np.asarray(self.spec["values"], float)[self.codes(z)]
        quantiles = np.asarray(self.spec["quantiles"])
        grid = np.linspace(0, 1, len(quantiles))
        out = np.interp(ndtr(z), grid, quantiles)
        if self.spec["integer"]:
            return np.round(out)
        return np.round(out, self.spec["decimals"]) if self.spec["decimals"] < 15 else out

    def observed_scores(self, z: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """The normal score a reader of the file would compute from the value (mid-rank).

        Continuous columns use the latent score; categories and discrete values the score of the
        level actually written (structural rules may have changed it after sampling).
        """
        if self.kind == "continuous":
            return z
        scores = level_scores(np.asarray(self.spec["probs"], float))
        if self.kind == "category":
            codes = observed
        else:
            grid = np.asarray(self.spec["values"], float)
            codes = np.searchsorted(grid, np.nan_to_num(observed, nan=grid[0]))
        return scores[np.clip(codes, 0, len(scores) - 1)]


class TableModel:
    """Samples the non-structural columns of one Kaggle table from its fitted copula."""

    def __init__(self, table: str, marginals_from: str | None = None) -> None:
        stats = load_stats()["tables"]
        fitted = stats[table]
        self.table = table
        self.variables: list[str] = fitted["variables"]
        self.correlation = np.asarray(fitted["correlation"])
        marginals = stats[marginals_from or table]["marginals"]
        self.columns = {name: Column(name, spec) for name, spec in marginals.items()}
        self.index = {name: i for i, name in enumerate(self.variables)}

    def latent(
        self,
        rng: np.random.Generator,
        n: int,
        risk: np.ndarray | None = None,
        direction: dict[str, float] | None = None,
        loading: float = 0.0,
    ) -> np.ndarray:
        """Correlated standard normal scores, shape (n, variables).

        With ``risk`` (one standard normal per row), the composite ``direction`` of the variables
        (weights by variable name) correlates ``loading`` with it, while every variable keeps its
        N(0, 1) marginal and the fitted correlation between variables.
        """
        corr = self.correlation
        mean = np.zeros((n, len(self.variables)))
        if risk is not None and direction and loading:
            a = np.zeros(len(self.variables))
            for name, weight in direction.items():
                a[self.index[name]] = weight
            a /= np.sqrt(a @ corr @ a)
            c = loading * (corr @ a)
            corr = corr - np.outer(c, c)
            mean = np.outer(risk, c)
        chol = np.linalg.cholesky(corr + 1e-9 * np.eye(len(corr)))
        return mean + rng.standard_normal((n, len(self.variables))) @ chol.T

    def sample(self, rng: np.random.Generator, z: np.ndarray) -> dict[str, np.ndarray]:
        """Column arrays (float with NaN, or category codes with -1 for missing)."""
        n = len(z)
        out: dict[str, np.ndarray] = {}
        for name, column in self.columns.items():
            i = self.index.get(name)
            value_z = z[:, i] if i is not None else rng.standard_normal(n)
            missing = self._flag(rng, z, name, "missing", column.spec["missing"])
            sentinel = self._flag(rng, z, name, "sentinel", column.spec.get("sentinel", 0.0))
            if column.kind == "category":
                codes = column.codes(value_z)
                codes[missing] = -1
                out[name] = codes
            else:
                values = column.values(value_z)
                values[sentinel] = kaggle.DAYS_SENTINEL
                values[missing] = np.nan
                out[name] = values
        return out

    def _flag(
        self, rng: np.random.Generator, z: np.ndarray, name: str, flag: str, share: float
    ) -> np.ndarray:
        if share <= 0:
            return np.zeros(len(z), bool)
        i = self.index.get(f"{name}::{flag}")
        latent = z[:, i] if i is not None else rng.standard_normal(len(z))
        return latent > ndtri(1 - share)

    def design(self, z: np.ndarray, values: dict[str, np.ndarray]) -> np.ndarray:
        """Observed normal scores in the fit's variable order (0 where missing or sentinel)."""
        out = np.zeros((len(z), len(self.variables)))
        for i, name in enumerate(self.variables):
            column_name, _, flag = name.partition("::")
            column = self.columns[column_name]
            raw = values[column_name]
            missing = raw < 0 if column.kind == "category" else np.isnan(raw)
            if flag:
                hit = missing if flag == "missing" else raw == kaggle.DAYS_SENTINEL
                share = column.spec["missing"] if flag == "missing" else column.spec["sentinel"]
                scores = level_scores(np.array([1 - share, share]))
                out[:, i] = np.where(hit, scores[1], scores[0])
            else:
                seen = ~missing & (raw != kaggle.DAYS_SENTINEL)
                out[:, i] = np.where(seen, column.observed_scores(z[:, i], raw), 0.0)
        return out
