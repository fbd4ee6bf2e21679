"""A points scorecard's answer: the client's bin and points per card feature, the total against
the cut-off in points (which decides as the threshold does), and none for other models."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit

from credit_assets.models.scorecard import cutoff_points, points_scale, points_table
from credit_assets.serving.schemas import ExplainRequest
from credit_assets.serving.scorer import Scorer


def test_a_scorecard_explanation_gives_the_clients_points_against_the_cutoff(
    scorecard_scorer: Scorer, features: pd.DataFrame
) -> None:
    model = scorecard_scorer.model
    table = points_table(model)
    on_card = {(r["feature"], r["bin"]): r["points"] for r in table.to_dict("records")}
    best = table.groupby("feature")["points"].max()
    factor, offset = points_scale()
    decisions = set()
    for sk_id in features.index[:40]:
        answer = scorecard_scorer.explain(ExplainRequest(sk_id_curr=int(sk_id)))
        points = answer.points
        assert points is not None
        assert [p.feature for p in points.features] == list(table["feature"].unique())
        for p in points.features:
            assert p.points == pytest.approx(on_card[(p.feature, p.bin)])
            assert p.lost == pytest.approx(best[p.feature] - p.points)
            assert p.name == scorecard_scorer.descriptions[p.feature] != p.feature
        assert points.total == pytest.approx(sum(p.points for p in points.features))
        assert points.total == pytest.approx(offset - factor * logit(answer.probability))
        # The cut-off decides as the threshold does: refused at the cut-off or fewer points.
        assert (points.total <= points.cutoff) == (answer.decision == "refused")
        decisions.add(answer.decision)
    assert decisions == {"accepted", "refused"}


def test_the_cutoff_is_the_threshold_in_points(scorecard_scorer: Scorer) -> None:
    model = scorecard_scorer.model
    factor, offset = points_scale()
    cutoff = cutoff_points(model)
    assert cutoff == pytest.approx(offset - factor * logit(model.threshold))
    stricter = dataclasses.replace(model, threshold=model.threshold / 2)
    assert cutoff_points(stricter) > cutoff  # refusing at a lower risk asks for more points
    for impossible in (0.0, 1.0, np.nan):
        with pytest.raises(ValueError, match="no cut-off in points"):
            cutoff_points(dataclasses.replace(model, threshold=impossible))


def test_other_models_answer_without_points(scorer: Scorer, ids: list[int]) -> None:
    answer = scorer.explain(ExplainRequest(sk_id_curr=ids[0]))
    assert answer.points is None
    with pytest.raises(TypeError, match="not a points scorecard"):
        cutoff_points(scorer.model)
