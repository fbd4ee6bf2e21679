"""The modelling frames: labelled clients, the stratified train / holdout split, undersampling.

A modelling frame is a pandas DataFrame indexed by ``SK_ID_CURR`` holding the feature columns and
``TARGET``. Features never carry the label: it is joined here, for training clients only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

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
    # The labelled rows, in key order, taken in one copy of the wide table; the index and the
    # label then set in place (a mask, an assignment and a sort each copied the whole table).
    keys = features[KEY].to_numpy()
    rows = np.flatnonzero(np.isin(keys, target.index.to_numpy()))
    frame = features.take(rows[np.argsort(keys[rows], kind="stable")])
    frame.index = pd.Index(frame.pop(KEY).to_numpy(), name=KEY)
    frame[TARGET] = target.reindex(frame.index).to_numpy()
    return frame


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


NOT_INPUTS = (TARGET, *PROTECTED_ATTRIBUTES)
"""The columns of a modelling frame that are never model inputs."""


def features_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The model inputs of a modelling frame: every column but ``TARGET`` and the protected
    attributes."""
    return frame.drop(columns=list(NOT_INPUTS), errors="ignore")


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The names of :func:`features_of`'s columns, without copying the frame."""
    return [str(c) for c in frame.columns if c not in NOT_INPUTS]


def for_feature_set(frame: pd.DataFrame, feature_set: FeatureSet) -> pd.DataFrame:
    """The columns of a modelling frame that a ``feature_set`` model sees, with ``TARGET`` and
    the protected attributes (kept for monitoring, never inputs: see :func:`features_of`)."""
    if feature_set == "history":
        return frame
    return frame.loc[:, frame_columns(frame.columns, feature_set)]


def frame_columns(columns: Iterable[str], feature_set: FeatureSet) -> list[str]:
    """Of a modelling frame's ``columns``, those :func:`for_feature_set` keeps, in order (a
    reader can then load only them)."""
    names = [str(c) for c in columns]
    kept = {*columns_of(names, feature_set), *NOT_INPUTS}
    return [c for c in names if c in kept]


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
