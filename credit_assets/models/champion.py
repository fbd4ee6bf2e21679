"""Choosing the champion: the lowest holdout business cost, with gates it must pass.

The gates: the champion must beat the dummy baseline clearly (cost and AUC), and an AUC above
``leakage_auc`` is treated as an alarm: on this problem it means a feature knows the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

BASELINE = "dummy"


@dataclass(frozen=True)
class Gates:
    """How clearly the champion must beat the dummy, and where an AUC becomes suspicious."""

    min_cost_reduction: float = 0.05
    """Relative business-cost reduction over the dummy required (0.05: at least 5 % cheaper)."""
    min_auc_gain: float = 0.05
    """Holdout AUC the champion must add over the dummy's 0.5."""
    leakage_auc: float = 0.82


@dataclass(frozen=True)
class ChampionChoice:
    """The chosen candidate and how it fared at the gates."""

    name: str
    business_cost: float
    baseline_cost: float
    cost_reduction: float
    auc_gain: float
    beats_baseline: bool
    leakage_alarm: bool

    def as_dict(self) -> dict[str, float | bool | str]:
        return asdict(self)


def choose_champion(
    metrics: Mapping[str, Mapping[str, float]], gates: Gates = Gates()
) -> ChampionChoice:
    """The non-baseline candidate with the lowest holdout business cost, judged by the gates.

    Raises:
        ValueError: without the baseline or without any other candidate.
    """
    if BASELINE not in metrics:
        raise ValueError(f"the {BASELINE} baseline is needed to judge the champion")
    contenders = {n: m for n, m in metrics.items() if n != BASELINE}
    if not contenders:
        raise ValueError("no candidate besides the baseline")
    name = min(contenders, key=lambda n: (contenders[n]["business_cost"], n))
    best, baseline = contenders[name], metrics[BASELINE]
    reduction = 1.0 - best["business_cost"] / max(baseline["business_cost"], 1e-12)
    auc_gain = best["holdout_auc"] - max(baseline["holdout_auc"], 0.5)
    return ChampionChoice(
        name=name,
        business_cost=best["business_cost"],
        baseline_cost=baseline["business_cost"],
        cost_reduction=reduction,
        auc_gain=auc_gain,
        beats_baseline=reduction >= gates.min_cost_reduction and auc_gain >= gates.min_auc_gain,
        leakage_alarm=max(best["holdout_auc"], best.get("cv_auc_mean", 0.0)) > gates.leakage_auc,
    )
