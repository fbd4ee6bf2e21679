"""The modelling frames: labelled clients, the stratified train / holdout split, undersampling.

A modelling frame is a pandas DataFrame indexed by ``SK_ID_CURR`` holding the feature columns and
``TARGET``. Features never carry the label: it is joined here, for training clients only.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from imblearn.under_sampling import RandomUnderSampler
from pandas.core.util.hashing import hash_pandas_object
from sklearn.model_selection import train_test_split

from credit_assets.features.feature_sets import PROTECTED_ATTRIBUTES, FeatureSet, columns_of

KEY = "SK_ID_CURR"
TARGET = "TARGET"


def labelled_clients(features: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Features of the clients that have a label, indexed by ``SK_ID_CURR``, with ``TARGET``.

    Raises:
        ValueError: if the features already hold ``TARGET`` or a key is duplicated.
    """
    if TARGET in features.columns:
        raise ValueError("the feature table must not hold TARGET: labels are joined here")
    for name, frame in (("features", features), ("labels", labels)):
        if frame[KEY].duplicated().any():
            raise ValueError(f"duplicated {KEY} in the {name}")
    target = labels.set_index(KEY)[TARGET].astype("int8")
    frame = features.set_index(KEY)
    # A mask and an aligned column: a join would copy the wide table once more.
    frame = frame.loc[frame.index.isin(target.index)]
    frame = frame.assign(**{TARGET: target.reindex(frame.index).to_numpy()})
    return frame if frame.index.is_monotonic_increasing else frame.sort_index()


def split_train_holdout(
    frame: pd.DataFrame, holdout_share: float = 0.2, seed: int = 42
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A stratified, seeded split of labelled clients into training and holdout frames."""
    positions = np.arange(len(frame))
    train_pos, holdout_pos = train_test_split(
        positions, test_size=holdout_share, stratify=frame[TARGET], random_state=seed
    )
    return frame.iloc[np.sort(train_pos)], frame.iloc[np.sort(holdout_pos)]


def undersample(
    frame: pd.DataFrame, sampling_strategy: float = 1.0, seed: int = 42
) -> pd.DataFrame:
    """Drop random non-defaulters until defaulters / non-defaulters is ``sampling_strategy``."""
    sampler = RandomUnderSampler(sampling_strategy=sampling_strategy, random_state=seed)  # type: ignore[arg-type]
    sampler.fit_resample(features_of(frame), frame[TARGET])
    kept = np.sort(sampler.sample_indices_)
    return frame.iloc[kept]


def features_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The model inputs of a modelling frame: every column but ``TARGET`` and the protected
    attributes."""
    return frame.drop(columns=[TARGET, *PROTECTED_ATTRIBUTES], errors="ignore")


def for_feature_set(frame: pd.DataFrame, feature_set: FeatureSet) -> pd.DataFrame:
    """The columns of a modelling frame that a ``feature_set`` model sees, with ``TARGET`` and
    the protected attributes (kept for monitoring, never inputs: see :func:`features_of`)."""
    if feature_set == "history":
        return frame
    kept = {*columns_of(frame.columns, feature_set), TARGET, *PROTECTED_ATTRIBUTES}
    return frame.loc[:, [c for c in frame.columns if c in kept]]


def dataset_hash(frame: pd.DataFrame) -> str:
    """A content hash of a frame (values, index and column names), stable across runs."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    digest.update(hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def negative_keep_rate(train: pd.DataFrame, balanced: pd.DataFrame) -> float:
    """The share of non-defaulters undersampling kept (the prior-correction factor)."""
    kept = int((balanced[TARGET] == 0).sum())
    return kept / max(int((train[TARGET] == 0).sum()), 1)
