"""The redeploy gate: a new champion is served only if it costs no more on the same holdout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import FunctionTransformer

from credit_assets.models.calibration import uncalibrated
from credit_assets.models.data import TARGET
from credit_assets.models.scoring_model import ScoringModel
from credit_assets.monitoring.gates import champion_is_not_worse, holdout_metrics


@pytest.mark.parametrize(
    ("new", "served", "expected"),
    [
        (0.40, 0.45, True),
        (0.45, 0.45, True),
        (0.46, 0.45, False),
    ],
)
def test_only_a_cost_at_most_the_served_one_passes(new: float, served: float, expected: bool):
    holdout = {"holdout_hash": "abc"}
    assert (
        champion_is_not_worse(
            {"business_cost": new, **holdout}, {"business_cost": served, **holdout}
        )
        is expected
    )


def test_tolerance_and_nothing_served_yet() -> None:
    assert champion_is_not_worse({"business_cost": 0.46}, {"business_cost": 0.45}, tolerance=0.02)
    assert champion_is_not_worse({"business_cost": 9.0}, None)


def test_costs_from_different_holdouts_are_refused() -> None:
    with pytest.raises(ValueError, match="different holdouts"):
        champion_is_not_worse(
            {"business_cost": 0.4, "holdout_hash": "a"}, {"business_cost": 0.5, "holdout_hash": "b"}
        )


class _Identity:
    """A model whose raw score is the first feature: known probabilities, known cost."""

    def predict_proba(self, x: pd.DataFrame) -> np.ndarray:
        p = x.iloc[:, 0].to_numpy(dtype=float)
        return np.column_stack([1 - p, p])


def test_the_served_model_is_scored_at_its_own_threshold() -> None:
    holdout = pd.DataFrame({"p": [0.9, 0.1, 0.8, 0.2], TARGET: [1, 0, 0, 1]})
    model = ScoringModel(
        name="identity",
        prep=FunctionTransformer(),
        model=_Identity(),
        calibration=uncalibrated("probability"),
        threshold=0.5,
        feature_names=["p"],
    )
    metrics = holdout_metrics(model, holdout)
    # One false positive (cost 1) and one false negative (cost 10) over four clients.
    assert metrics["business_cost"] == pytest.approx(11 / 4)
    assert metrics["holdout_hash"] == holdout_metrics(model, holdout.copy())["holdout_hash"]
