"""The training set's leak check, called on frames written as the split writes them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

import dagster as dg
import numpy as np
import pandas as pd

from credit_assets.defs.resources import DataLake
from credit_assets.defs.training.checks import no_single_feature_leak

Column = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def _training_set(lake: DataLake, **extra: Column) -> None:
    rng = np.random.default_rng(0)
    target = (rng.random(2_000) < 0.1).astype(int)
    frame = pd.DataFrame(
        {
            "EXT_SOURCE_MEAN": rng.normal(size=2_000) - 0.5 * target,
            "CODE_GENDER": np.where(rng.random(2_000) < 0.5, "F", "M"),
            "TARGET": target,
            **{name: make(target, rng) for name, make in extra.items()},
        },
        index=pd.Index(np.arange(100_001, 102_001), name="SK_ID_CURR"),
    )
    lake.write_frame("training_set", frame, "digest")


def test_an_honest_training_set_passes_and_shows_its_best_features(tmp_path: Path) -> None:
    lake = DataLake(root=str(tmp_path))
    _training_set(lake)
    result = no_single_feature_leak(lake=lake)
    assert isinstance(result, dg.AssetCheckResult)
    assert result.passed
    top = cast(dict[str, float], result.metadata["top_single_feature_aucs"].value)
    assert list(top) == ["EXT_SOURCE_MEAN"] and 0.55 < top["EXT_SOURCE_MEAN"] < 0.8


def test_a_column_that_gives_the_label_away_fails_the_check_by_name(tmp_path: Path) -> None:
    lake = DataLake(root=str(tmp_path))
    _training_set(
        lake,
        DAYS_SINCE_DEFAULT=lambda t, rng: t * 100.0 + rng.random(len(t)),
        # Missing for every defaulter: the missing values rank lowest and give it away too.
        MISSING_FOR_DEFAULTERS=lambda t, rng: np.where(t == 1, np.nan, rng.random(len(t))),
    )
    result = no_single_feature_leak(lake=lake)
    assert isinstance(result, dg.AssetCheckResult)
    assert not result.passed
    leaking = set(cast(list[str], result.metadata["leaking"].value))
    assert leaking == {"DAYS_SINCE_DEFAULT", "MISSING_FOR_DEFAULTERS"}
