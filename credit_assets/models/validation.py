"""Stratified K-fold cross-validation with the undersampler inside each training fold.

The sampler sits in an imbalanced-learn pipeline in front of preprocessing and model: it runs
when the pipeline is fitted on a training fold and never on the validation fold, whose rows keep
their real class balance. The out-of-fold scores it returns are therefore honest scores on the
real population, fit for calibration and for choosing the threshold.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from imblearn.pipeline import Pipeline as SamplingPipeline
from imblearn.under_sampling import RandomUnderSampler
from numpy.typing import NDArray
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from credit_assets.models.candidates import Candidate, ClassWeight, Params, fits_every_row
from credit_assets.models.data import TARGET, features_of
from credit_assets.models.scores import raw_scores
from credit_assets.models.shared_bins import SharedBins

SamplerFactory = Callable[[int], Any]


def undersampler(seed: int) -> RandomUnderSampler:
    """The default sampler: balance the classes by dropping random non-defaulters."""
    return RandomUnderSampler(sampling_strategy=1.0, random_state=seed)  # type: ignore[arg-type]


@dataclass
class CrossValidation:
    """Out-of-fold raw scores (aligned with the frame's rows) and per-fold figures."""

    oof: NDArray[np.float64]
    fold_aucs: list[float]
    fit_seconds: float
    """The folds' fits, with the binning they share (``shared_bins``)."""
    predict_seconds: float
    bins: SharedBins | None = None
    """The frame binned once for a LightGBM booster: the final fit on the same rows reuses it."""

    @property
    def auc_mean(self) -> float:
        return float(np.mean(self.fold_aucs))

    @property
    def auc_std(self) -> float:
        return float(np.std(self.fold_aucs))


def sampling_pipeline(
    candidate: Candidate,
    params: Params,
    frame: pd.DataFrame,
    seed: int,
    n_jobs: int,
    sampler: SamplerFactory | None = undersampler,
    class_weight: ClassWeight = None,
) -> SamplingPipeline:
    """``[sample ->] prep -> model`` as one imbalanced-learn pipeline."""
    inner = candidate.pipeline(params, frame, seed, n_jobs, class_weight)
    own = fits_every_row(inner.named_steps["model"])
    steps: list[tuple[str, Any]] = [] if sampler is None or own else [("sample", sampler(seed))]
    return SamplingPipeline([*steps, *inner.steps])


def cross_validate(
    candidate: Candidate,
    params: Params,
    frame: pd.DataFrame,
    folds: int = 5,
    seed: int = 42,
    n_jobs: int = 2,
    sampler: SamplerFactory | None = undersampler,
    class_weight: ClassWeight = None,
    on_fold: Callable[[int, float], None] | None = None,
) -> CrossValidation:
    """Out-of-fold scores of ``candidate`` with ``params`` on a labelled frame.

    ``on_fold(fold, running_mean_auc)`` is called after each fold (Optuna prunes through it: it
    may raise to stop early).
    """
    X, y = features_of(frame), frame[TARGET].to_numpy()
    oof = np.full(len(frame), np.nan)
    aucs: list[float] = []
    # A booster's folds train on their rows of the frame binned once (with the settings of the
    # final fit, which reuses the bins); any other model fits each fold from its rows.
    bins = SharedBins.of(
        sampling_pipeline(candidate, params, X, seed, n_jobs, sampler, class_weight), X, y
    )
    fit_seconds = 0.0 if bins is None else bins.seconds
    predict_seconds = 0.0
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (train_idx, valid_idx) in enumerate(splitter.split(X, y)):
        pipeline = sampling_pipeline(
            candidate, params, X, seed + fold, n_jobs, sampler, class_weight
        )
        start = time.perf_counter()
        shared = bins if bins is not None and bins.suits(pipeline) else None
        if shared is not None:
            shared.fit(pipeline, y, train_idx)
        else:
            pipeline.fit(X.iloc[train_idx], y[train_idx])
        fit_seconds += time.perf_counter() - start
        start = time.perf_counter()
        if shared is not None:  # the validation rows are encoded with the bins already
            scores = shared.raw_scores(pipeline, valid_idx)
        else:
            prep, model = pipeline.named_steps["prep"], pipeline.named_steps["model"]
            scores = raw_scores(prep, model, X.iloc[valid_idx])
        predict_seconds += time.perf_counter() - start
        oof[valid_idx] = scores
        aucs.append(float(roc_auc_score(y[valid_idx], scores)))
        if on_fold is not None:
            on_fold(fold, float(np.mean(aucs)))
    return CrossValidation(oof, aucs, fit_seconds, predict_seconds, bins)
