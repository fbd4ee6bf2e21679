"""Shared fixtures: small synthetic datasets and the real Kaggle rows (when available)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from credit_assets.synth.generate import write_dataset

# The champion, its Bento and one `bentoml serve` of it, shared by tests/serving and tests/ui.
pytest_plugins = ["serving.fixtures"]


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The real Kaggle samples, through HOME_CREDIT_REAL_DIR; skips when it is unset."""
    location = os.environ.get("HOME_CREDIT_REAL_DIR")
    if not location:
        pytest.skip("HOME_CREDIT_REAL_DIR is not set: no real Home Credit rows to compare with")
    path = Path(location)
    if not (path / "heads").is_dir():
        pytest.skip(f"HOME_CREDIT_REAL_DIR={path} holds no heads/ folder")
    return path


@pytest.fixture(scope="session")
def tiny_synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated dataset (3,000 training and 600 test clients), shared by tests."""
    out = tmp_path_factory.mktemp("synthetic")
    return write_dataset(out, 3_000, 600, seed=7, workers=1)
