"""Data contracts of the client feature table, as plain functions the asset checks call."""

from __future__ import annotations

import numpy as np
import polars as pl

from credit_assets.features.common import KEY
from credit_assets.leakage import LEAKAGE_AUC

AUC_SAMPLE = 100_000


def duplicate_keys(features: pl.DataFrame) -> int:
    """Rows whose SK_ID_CURR already appeared."""
    return features.height - features.get_column(KEY).n_unique()


def missing_clients(features: pl.DataFrame, clients: pl.Series) -> list[int]:
    """The ``clients`` with no row in the feature table."""
    present = features.get_column(KEY).implode()
    return clients.filter(~clients.is_in(present)).sort().to_list()


def infinite_columns(features: pl.DataFrame) -> dict[str, int]:
    """Float columns holding infinities, with how many."""
    floats = [c for c, t in features.schema.items() if t.is_float()]
    counts = features.select(pl.col(floats).is_infinite().sum()).row(0, named=True)
    return {c: n for c, n in counts.items() if n}


def single_feature_aucs(
    features: pl.DataFrame, labels: pl.DataFrame, sample: int = AUC_SAMPLE, seed: int = 0
) -> dict[str, float]:
    """How well each numeric feature alone ranks defaulters: max(AUC, 1 - AUC) per column, on
    the ``features`` of the clients ``labels`` gives a TARGET (see :func:`labelled_aucs`)."""
    drawn = labels.select(KEY, "TARGET")
    if drawn.height > sample:  # drawn before the join: only the sample's feature rows are copied
        drawn = drawn.sample(sample, seed=seed)
    return labelled_aucs(features.join(drawn, on=KEY, how="inner"), sample, seed)


def labelled_aucs(frame: pl.DataFrame, sample: int = AUC_SAMPLE, seed: int = 0) -> dict[str, float]:
    """For each numeric column of a frame holding TARGET (``SK_ID_CURR`` aside), max(AUC,
    1 - AUC) of that column alone against TARGET.

    Missing values rank lowest, so a feature whose missingness gives the label away is caught
    too. At most ``sample`` clients are used (a seeded draw): the AUC's standard error is then
    about 0.003, far below the margin that matters.
    """
    if frame.height > sample:
        frame = frame.sample(sample, seed=seed)
    target = frame.get_column("TARGET").to_numpy().astype(bool)
    positives, negatives = int(target.sum()), int((~target).sum())
    if not positives or not negatives:
        return {}
    numeric = [c for c, t in frame.schema.items() if t.is_numeric() and c not in (KEY, "TARGET")]
    ranks = frame.select(
        pl.col(numeric).cast(pl.Float64).fill_null(-np.inf).rank("average")
    ).to_numpy()
    auc = (ranks[target].sum(axis=0) - positives * (positives + 1) / 2) / (positives * negatives)
    return {c: float(max(a, 1 - a)) for c, a in zip(numeric, auc, strict=True)}


def suspicious_features(aucs: dict[str, float], threshold: float = LEAKAGE_AUC) -> dict[str, float]:
    """Features whose single-feature AUC exceeds ``threshold``, best first."""
    flagged = {c: a for c, a in aucs.items() if a > threshold}
    return dict(sorted(flagged.items(), key=lambda item: -item[1]))
