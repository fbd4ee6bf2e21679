"""A points scorecard's score of one client as the API answers it: points per card feature,
the total and the cut-off.

A scorecard is read the way a bank reads one: the client's bin of each feature, its points,
and how many points that bin gives away against the feature's best one (the refusal's reasons
are the largest of those, :mod:`credit_assets.serving.refusals`). Other models have no points.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from credit_assets.models import ScoringModel
from credit_assets.models.scorecard import (
    Scorecard,
    client_bins,
    client_points,
    cutoff_points,
    points_lost,
)
from credit_assets.serving.schemas import CardPoints, ScorecardPoints


def scorecard_points(
    model: ScoringModel, frame: pd.DataFrame, descriptions: Mapping[str, str]
) -> ScorecardPoints | None:
    """The first row's points on ``model``'s card, or ``None`` when the model is no scorecard.

    ``descriptions`` gives each feature's readable name (the feature's own name when absent).
    """
    if not isinstance(model.model, Scorecard):
        return None
    row = frame.iloc[:1]
    points = client_points(model, row).iloc[0]
    lost = points_lost(model, row).iloc[0]
    bins = client_bins(model, row).iloc[0]
    features = [
        CardPoints(
            feature=str(feature),
            name=descriptions.get(str(feature), str(feature)),
            bin=str(bins[feature]),
            points=float(points[feature]),
            lost=float(lost[feature]),
        )
        for feature in bins.index
    ]
    return ScorecardPoints(
        features=features, total=float(points["total"]), cutoff=cutoff_points(model)
    )
