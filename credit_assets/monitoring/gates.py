"""The redeploy gate: a new champion replaces the served one only if it is not worse.

Both models must be judged on the same holdout: score the served model on the new holdout with
:func:`holdout_metrics` (its own threshold), then compare with the new champion's figures.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from credit_assets.models.cost import confusion
from credit_assets.models.data import TARGET, dataset_hash, features_of
from credit_assets.models.scoring_model import ScoringModel

COST = "business_cost"
HOLDOUT = "holdout_hash"


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
