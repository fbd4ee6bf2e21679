"""Choosing the champion on out-of-fold figures, with gates it must pass.

The holdout never chooses: the candidate with the lowest cross-fitted out-of-fold business cost
wins (ties go to the higher cross-validated AUC), and the holdout is scored afterwards, once, for
the report. The gates, also on out-of-fold figures: the champion must beat the dummy baseline
clearly (cost and AUC), and an AUC above ``leakage_auc`` (out-of-fold or holdout) is an alarm: on
this problem it means a feature knows the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from credit_assets.leakage import LEAKAGE_AUC

BASELINE = "dummy"
COST = "oof_business_cost"
AUC = "cv_auc_mean"
RULE = (
    "lowest cross-fitted out-of-fold business cost (10 x missed default + 1 x good client"
    " refused, per client), ties to the higher cross-validated AUC; the holdout is scored once,"
    " after the choice"
)


@dataclass(frozen=True)
class Gates:
    """How clearly the champion must beat the dummy, and where an AUC becomes suspicious."""

    min_cost_reduction: float = 0.05
    """Relative out-of-fold business-cost reduction over the dummy required (0.05: 5 %)."""
    min_auc_gain: float = 0.05
    """Cross-validated AUC the champion must add over the dummy's 0.5."""
    leakage_auc: float = LEAKAGE_AUC
    """An out-of-fold or holdout AUC above this raises the leakage alarm."""


@dataclass(frozen=True)
class ChampionChoice:
    """The chosen candidate and how it fared at the gates (out-of-fold figures)."""

    name: str
    business_cost: float
    baseline_cost: float
    cost_reduction: float
    auc_gain: float
    beats_baseline: bool
    leakage_alarm: bool

    def as_dict(self) -> dict[str, float | bool | str]:
        return asdict(self)


def selection() -> dict[str, str]:
    """How the champion is chosen, as the evaluation report states it."""
    return {"on": "out_of_fold", "rule": RULE}


def choose_champion(
    metrics: Mapping[str, Mapping[str, float]], gates: Gates = Gates()
) -> ChampionChoice:
    """The non-baseline candidate with the lowest out-of-fold business cost, judged by the gates.

    Raises:
        ValueError: without the baseline or without any other candidate.
    """
    if BASELINE not in metrics:
        raise ValueError(f"the {BASELINE} baseline is needed to judge the champion")
    contenders = {n: m for n, m in metrics.items() if n != BASELINE}
    if not contenders:
        raise ValueError("no candidate besides the baseline")
    name = min(contenders, key=lambda n: (contenders[n][COST], -contenders[n][AUC], n))
    best, baseline = contenders[name], metrics[BASELINE]
    reduction = 1.0 - best[COST] / max(baseline[COST], 1e-12)
    auc_gain = best[AUC] - max(baseline[AUC], 0.5)
    return ChampionChoice(
        name=name,
        business_cost=best[COST],
        baseline_cost=baseline[COST],
        cost_reduction=reduction,
        auc_gain=auc_gain,
        beats_baseline=reduction >= gates.min_cost_reduction and auc_gain >= gates.min_auc_gain,
        leakage_alarm=max(best.get("holdout_auc", 0.0), best[AUC]) > gates.leakage_auc,
    )
