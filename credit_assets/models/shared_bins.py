"""A training split binned once for LightGBM, shared by a booster's folds and its final fit.

A LightGBM fit first bins its rows: quantile edges for each of the ~740 columns, then every value
mapped to its bin. On the full-scale training split that was a fifth of each fold's fit, done
again for each of the three folds and for the final fit on the same clients. Here the split is
encoded and binned once, with the final model's settings; each fold trains on its rows of those
bins (LightGBM's ``Dataset.subset``), the final fit on all of them:

- the final model is the one a fit from scratch gives: the same rows, settings, encoder and bins;
- a fold's bin edges and category codes come from the whole split (the validation fold's
  feature values, never its labels) instead of from its own training rows, as LightGBM's own
  ``lgb.cv`` bins its folds; a fold's validation rows are scored from the split's encoded rows.

On the seed-0 full-scale data a history candidate's binning took 31.6 s instead of 84.4 s
(``benchmarks/lightgbm_dataset.py DATA_DIR/training``) and its final fit 94.5 s instead of
115.3 s in the pipeline, for the same holdout scores and an OOF AUC of 0.77210 instead of
0.77201 (application-only: 0.74815 instead of 0.74780).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import clone

from credit_assets.models.ensemble import OneBooster
from credit_assets.models.scores import raw_scores

SEED_PARAMS = ("random_state",)
"""Settings a fold may set differently from the bins (its own seed: its bagging draws)."""


@dataclass
class SharedBins:
    """Every row of a training split, encoded and binned once."""

    prep: Any
    """The split's encoder, fitted on every row."""
    matrix: NDArray[np.float64]
    """Every row, encoded."""
    dataset: lgb.Dataset
    """Every row, binned, with its label."""
    params: dict[str, Any]
    """The LightGBM settings the rows were binned with (the final model's)."""
    seconds: float
    """How long encoding and binning took."""

    @classmethod
    def of(cls, pipeline: Any, X: pd.DataFrame, y: NDArray[Any]) -> SharedBins | None:
        """The bins of ``X`` for ``pipeline``'s booster (``None`` for another model, which
        bins nothing or its own balanced bags)."""
        model = pipeline.named_steps["model"]
        if not isinstance(model, OneBooster):
            return None
        start = time.perf_counter()
        prep: Any = clone(pipeline.named_steps["prep"])
        prep.fit(X)
        matrix = np.asarray(prep.transform(X), dtype=np.float64)
        params = model.dataset_params()
        dataset = lgb.Dataset(matrix, label=y, params=params, free_raw_data=True).construct()
        return cls(prep, matrix, dataset, params, time.perf_counter() - start)

    def suits(self, pipeline: Any, final: bool = False) -> bool:
        """Whether ``pipeline``'s model is a booster with the settings these rows were binned
        with (a fold may have its own seed; the final model, not even that)."""
        model = pipeline.named_steps["model"]
        if not isinstance(model, OneBooster):
            return False
        params = model.dataset_params()
        if not final:
            params = {k: v for k, v in params.items() if k not in SEED_PARAMS}
            return params == {k: v for k, v in self.params.items() if k not in SEED_PARAMS}
        return params == self.params

    def fit(self, pipeline: Any, y: NDArray[Any], rows: NDArray[np.intp] | None = None) -> Any:
        """``pipeline`` fitted on the split's rows ``rows`` (every row when ``None``): its
        encoder becomes the split's, its booster trains on those rows of the bins."""
        names = [name for name, _ in pipeline.steps]
        pipeline.steps[names.index("prep")] = ("prep", self.prep)
        model: OneBooster = pipeline.named_steps["model"]
        if rows is None:
            model.fit(self.matrix, y, binned=self.dataset)
        else:
            kept = np.sort(rows)
            subset = self.dataset.subset(kept.tolist())
            model.fit(self.matrix[kept], y[kept], binned=subset)
        return pipeline

    def raw_scores(self, pipeline: Any, rows: NDArray[np.intp]) -> NDArray[np.float64]:
        """``raw_scores`` of the split's rows ``rows`` by ``pipeline`` fitted on these bins (by
        :meth:`fit`): its encoder is the split's, so the rows are already encoded here."""
        if pipeline.named_steps["prep"] is not self.prep:
            raise ValueError("the pipeline was not fitted on these bins: its encoder differs")
        encoded: Any = self.matrix[rows]
        return np.asarray(raw_scores(_Encoded(), pipeline.named_steps["model"], encoded))


class _Encoded:
    """The encoder of rows already encoded."""

    def transform(self, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        return matrix
