"""The redeploy gate: a new champion replaces the served one only if it is not worse.

Both models are judged on the same clients, which neither trained on: the new champion's
holdout, less any client the served model learnt from (a model scored on its own training
clients looks better than it is). :func:`judge_redeploy` scores both there, each at its own
threshold, and allows the new one when its business cost per client is at most the served
one's plus a stated margin (:data:`REDEPLOY_MARGIN`): two models within the margin are equally
good given the noise of a few thousand clients, and the newer one learnt from newer data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_assets.models.cost import confusion
from credit_assets.models.data import TARGET, dataset_hash, features_of
from credit_assets.models.scoring_model import ScoringModel

COST = "business_cost"
HOLDOUT = "holdout_hash"
REDEPLOY_MARGIN = 0.005
"""Business cost per client the new champion may exceed the served one by (about a tenth of
the bootstrap interval's width on the demo holdout)."""
MIN_COMPARISON_CLIENTS = 100
"""Below this many clients unseen by the served model, the comparison is not made."""


def holdout_metrics(model: ScoringModel, holdout: pd.DataFrame) -> dict[str, float | str]:
    """Business cost per client of ``model`` at its own threshold on a labelled holdout, and
    the holdout's content hash so two sets of figures can be checked to share it."""
    y = holdout[TARGET].to_numpy()
    proba = np.asarray(model.predict_proba(features_of(holdout)), dtype=np.float64)
    return {COST: confusion(y, proba, model.threshold).cost(), HOLDOUT: dataset_hash(holdout)}


def champion_is_not_worse(
    new_metrics: Mapping[str, float | str],
    serving_metrics: Mapping[str, float | str] | None,
    tolerance: float = 0.0,
) -> bool:
    """Whether the new champion may replace the served model.

    Args:
        new_metrics: The new champion's holdout figures (``business_cost``, optionally
            ``holdout_hash``).
        serving_metrics: The served model's figures on the same holdout; ``None`` when nothing
            is served yet (then any champion that passed its own gates may go out).
        tolerance: Extra cost per client accepted (0: the new cost must be at most the old).

    Raises:
        ValueError: Both carry a ``holdout_hash`` and they differ: the costs are not comparable.
    """
    if serving_metrics is None:
        return True
    new_holdout, old_holdout = new_metrics.get(HOLDOUT), serving_metrics.get(HOLDOUT)
    if new_holdout is not None and old_holdout is not None and new_holdout != old_holdout:
        raise ValueError(
            "the two models were scored on different holdouts; score the served model on the"
            " new holdout with holdout_metrics() first"
        )
    return float(new_metrics[COST]) <= float(serving_metrics[COST]) + tolerance


@dataclass(frozen=True)
class RedeployVerdict:
    """Whether a new champion may replace the served model, and the figures behind it."""

    allowed: bool
    reason: str
    new_cost: float
    served_cost: float | None = None


def judge_redeploy(
    new: ScoringModel,
    served: ScoringModel | None,
    holdout: pd.DataFrame,
    tolerance: float = REDEPLOY_MARGIN,
    min_clients: int = MIN_COMPARISON_CLIENTS,
) -> RedeployVerdict:
    """Score the new champion and the served model on the same labelled clients, which neither
    trained on, and compare.

    Args:
        new: The new champion (it has passed its own gates).
        served: The model in service, ``None`` when nothing is served yet.
        holdout: The new champion's holdout (``TARGET`` and the feature columns).
        tolerance: Extra business cost per client accepted (see :func:`champion_is_not_worse`).
        min_clients: The fewest clients unseen by the served model to compare on.

    Returns:
        Not allowed, with the reason, when the new champion costs more than the margin allows,
        when the holdout lacks features the served model needs (its cost there would not be its
        real cost), or when too few clients are left that the served model did not learn from.
    """
    if served is None:
        cost = float(holdout_metrics(new, holdout)[COST])
        return RedeployVerdict(True, "nothing is served yet", cost)
    missing = [name for name in served.feature_names if name not in holdout.columns]
    if missing:
        reason = (
            f"the holdout lacks {len(missing)} feature(s) of the served model {served.version}"
            f" (e.g. {', '.join(missing[:3])}), so the two cannot be compared on it"
        )
        return RedeployVerdict(False, reason, float(holdout_metrics(new, holdout)[COST]))
    if served.training_ids is not None:
        holdout = holdout.loc[~holdout.index.isin(served.training_ids)]
    if len(holdout) < min_clients:
        reason = (
            f"only {len(holdout)} holdout clients are unseen by the served model"
            f" {served.version} (at least {min_clients} are needed to compare)"
        )
        return RedeployVerdict(False, reason, float("nan"))
    new_metrics = holdout_metrics(new, holdout)
    new_cost = float(new_metrics[COST])
    served_metrics = holdout_metrics(served, holdout)
    served_cost = float(served_metrics[COST])
    allowed = champion_is_not_worse(new_metrics, served_metrics, tolerance)
    figures = (
        f"business cost per client {new_cost:.4f} against {served_cost:.4f} for the served"
        f" model {served.version} (margin {tolerance:.4f}), on the same {len(holdout)} holdout"
        " clients, which neither model trained on"
    )
    reason = figures if allowed else f"it is worse than the served model: {figures}"
    return RedeployVerdict(allowed, reason, new_cost, served_cost)
