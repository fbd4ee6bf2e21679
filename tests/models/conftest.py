"""Fixtures for the model tests: modelling frames from the small generated dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from credit_assets.models.data import (
    KEY,
    TARGET,
    labelled_clients,
    split_train_holdout,
    undersample,
)


@dataclass(frozen=True)
class Frames:
    """Training, balanced and holdout frames of labelled clients (application columns only)."""

    train: pd.DataFrame
    balanced: pd.DataFrame
    holdout: pd.DataFrame


def application_features(source: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A stand-in client-feature table (the application columns, train and test) and labels."""
    train = pd.read_csv(source / "application_train.csv", low_memory=False)
    test = pd.read_csv(source / "application_test.csv", low_memory=False)
    features = pd.concat([train.drop(columns=[TARGET]), test], ignore_index=True)
    return features, pd.DataFrame(train[[KEY, TARGET]])


@pytest.fixture(scope="session")
def stand_in_features(tiny_synthetic: Path) -> pd.DataFrame:
    """The client-feature table the features stage would write, as application columns."""
    return application_features(tiny_synthetic)[0]


@pytest.fixture(scope="session")
def frames(tiny_synthetic: Path) -> Frames:
    features, labels = application_features(tiny_synthetic)
    train, holdout = split_train_holdout(labelled_clients(features, labels), 0.25, seed=3)
    return Frames(train, undersample(train, seed=3), holdout)
