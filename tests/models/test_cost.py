"""Business cost and the cost-minimising threshold on hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from credit_assets.models.cost import (
    bayes_threshold,
    best_threshold,
    business_cost,
    confusion,
    cost_curve,
)


def test_confusion_counts_refusals_at_or_above_the_threshold() -> None:
    c = confusion([1, 1, 0, 0, 0], [0.9, 0.2, 0.5, 0.1, 0.2], threshold=0.2)
    assert (c.tp, c.fn, c.fp, c.tn) == (2, 0, 2, 1)
    assert c.recall == 1.0 and c.approval_rate == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("y", "p", "threshold", "expected"),
    [
        ([1, 0, 0, 0], [0.1, 0.1, 0.1, 0.1], 0.5, 10 / 4),  # one missed default: 10
        ([1, 0, 0, 0], [0.9, 0.9, 0.1, 0.1], 0.5, 1 / 4),  # one good client refused: 1
        ([1, 1, 0, 0], [0.9, 0.1, 0.9, 0.1], 0.5, 11 / 4),
        ([0, 0], [0.9, 0.9], 0.95, 0.0),
    ],
)
def test_business_cost_is_ten_per_missed_default_plus_one_per_refused_good_client(
    y: list[int], p: list[float], threshold: float, expected: float
) -> None:
    assert business_cost(y, p, threshold) == pytest.approx(expected)


def test_cost_curve_lists_every_reachable_decision() -> None:
    thresholds, costs = cost_curve([0, 1, 0, 1], [0.1, 0.9, 0.4, 0.4])
    np.testing.assert_allclose(thresholds, [1.0, 0.9, 0.4, 0.1])
    # refuse nobody: 2 missed defaults; refuse 0.9: 1 missed; refuse >=0.4: 1 good refused; all: 2
    np.testing.assert_allclose(costs, [20 / 4, 10 / 4, 1 / 4, 2 / 4])


def test_best_threshold_sits_between_the_last_refused_score_and_the_next() -> None:
    threshold, cost = best_threshold([0, 1, 0, 1], [0.1, 0.9, 0.4, 0.4])
    assert cost == pytest.approx(0.25)
    assert 0.1 < threshold < 0.4
    assert business_cost([0, 1, 0, 1], [0.1, 0.9, 0.4, 0.4], threshold) == pytest.approx(cost)


def test_best_threshold_refuses_nobody_without_defaulters() -> None:
    threshold, cost = best_threshold([0, 0, 0], [0.1, 0.2, 0.3])
    assert cost == 0.0 and threshold > 0.3


def test_best_threshold_refuses_everybody_when_all_default() -> None:
    threshold, cost = best_threshold([1, 1], [0.2, 0.3])
    assert cost == 0.0 and threshold <= 0.2


def test_best_threshold_on_calibrated_probabilities_is_near_the_bayes_threshold() -> None:
    rng = np.random.default_rng(0)
    p = rng.beta(1, 10, size=200_000)
    y = rng.random(p.size) < p
    threshold, _ = best_threshold(y, p)
    assert bayes_threshold() == pytest.approx(1 / 11)
    assert threshold == pytest.approx(1 / 11, abs=0.01)


def test_cost_curve_rejects_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="same length"):
        cost_curve([0, 1], [0.5])
