"""The champion gates: lowest out-of-fold cost, must beat the dummy clearly, leakage alarm."""

from __future__ import annotations

import pytest

from credit_assets.models.champion import Gates, choose_champion

DUMMY = {"oof_business_cost": 0.80, "cv_auc_mean": 0.5, "business_cost": 0.8, "holdout_auc": 0.5}


def metrics(**candidates: tuple[float, float]) -> dict[str, dict[str, float]]:
    table = {"dummy": DUMMY}
    for name, (cost, auc) in candidates.items():
        table[name] = {"oof_business_cost": cost, "cv_auc_mean": auc, "holdout_auc": auc}
    return table


def test_the_cheapest_candidate_wins_and_passes_the_gates() -> None:
    choice = choose_champion(metrics(lightgbm=(0.50, 0.78), logistic_regression=(0.55, 0.75)))
    assert choice.name == "lightgbm"
    assert choice.beats_baseline and not choice.leakage_alarm
    assert choice.cost_reduction == pytest.approx(1 - 0.50 / 0.80)


def test_cost_decides_even_against_a_higher_auc() -> None:
    choice = choose_champion(metrics(lightgbm=(0.52, 0.79), random_forest=(0.51, 0.76)))
    assert choice.name == "random_forest"


def test_an_equal_cost_goes_to_the_higher_auc() -> None:
    choice = choose_champion(metrics(lightgbm=(0.51, 0.79), random_forest=(0.51, 0.76)))
    assert choice.name == "lightgbm"


def test_the_holdout_never_chooses() -> None:
    table = metrics(lightgbm=(0.50, 0.78), logistic_regression=(0.55, 0.75))
    # A holdout that would favour the other candidate changes nothing.
    table["lightgbm"] |= {"business_cost": 0.60, "holdout_auc": 0.74}
    table["logistic_regression"] |= {"business_cost": 0.40, "holdout_auc": 0.79}
    assert choose_champion(table).name == "lightgbm"


@pytest.mark.parametrize(
    ("cost", "auc"),
    [
        (0.78, 0.75),  # only 2.5 % cheaper than the dummy
        (0.60, 0.53),  # cheaper, but barely ranks better than chance
    ],
)
def test_a_champion_that_does_not_clearly_beat_the_dummy_fails_the_gate(
    cost: float, auc: float
) -> None:
    assert not choose_champion(metrics(lightgbm=(cost, auc))).beats_baseline


def test_an_implausibly_high_auc_raises_the_leakage_alarm() -> None:
    choice = choose_champion(metrics(lightgbm=(0.30, 0.83)))
    assert choice.leakage_alarm and choice.beats_baseline
    assert not choose_champion(metrics(lightgbm=(0.30, 0.83)), Gates(leakage_auc=0.9)).leakage_alarm


def test_the_dummy_is_needed_and_is_never_the_champion() -> None:
    with pytest.raises(ValueError, match="baseline"):
        choose_champion({"lightgbm": {"oof_business_cost": 0.5, "cv_auc_mean": 0.7}})
    with pytest.raises(ValueError, match="no candidate"):
        choose_champion({"dummy": DUMMY})
