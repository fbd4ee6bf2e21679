"""What-if of a known client: their application edited, the pipeline's features recomputed,
everything the edit does not touch kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from credit_assets.features.serving import new_client_features
from credit_assets.kaggle import DAYS_SENTINEL
from credit_assets.serving.scorer import Scorer, UnknownClientError

INCOME_FEATURES = {
    "AMT_INCOME_TOTAL",
    "CREDIT_INCOME_RATIO",
    "INCOME_CREDIT_PERC",
    "ANNUITY_INCOME_PERC",
    "INCOME_PER_PERSON",
}


def _differing(a: pd.DataFrame, b: pd.DataFrame) -> set[str]:
    """The columns whose value differs between two one-row frames (missing equals missing)."""
    left, right = a.iloc[0], b.iloc[0]
    same = {c for c in a.columns if pd.isna(left[c]) and pd.isna(right[c])}
    return {c for c in a.columns if c not in same and left[c] != right[c]}


def test_an_empty_edit_gives_back_the_stored_row_of_every_client(scorer: Scorer) -> None:
    ids = [int(i) for i in scorer.clients.ids[:100]]
    for sk_id in ids:
        assert not _differing(scorer.edited_features(sk_id, {}), scorer.known_features([sk_id]))
    before = [p.probability for p in scorer.predict_ids(ids[:20])]
    assert [scorer.what_if(i, {}).probability for i in ids[:20]] == before


def test_an_income_change_recomputes_only_the_features_that_use_income(
    scorer: Scorer, ids: list[int]
) -> None:
    sk_id = ids[0]
    income = scorer.application(sk_id)["AMT_INCOME_TOTAL"]
    edited = scorer.edited_features(sk_id, {"AMT_INCOME_TOTAL": income * 2})
    stored = scorer.known_features([sk_id])
    changed = _differing(edited, stored)
    assert changed <= INCOME_FEATURES and "CREDIT_INCOME_RATIO" in changed
    ratio = edited["CREDIT_INCOME_RATIO"].iloc[0] / stored["CREDIT_INCOME_RATIO"].iloc[0]
    assert ratio == pytest.approx(0.5, rel=1e-5)
    side = [c for c in stored.columns if c.startswith(("BURO_", "PREV_", "INSTAL_", "POS_"))]
    assert side and not changed & set(side)


def test_the_edited_features_are_the_pipelines_own(scorer: Scorer, ids: list[int]) -> None:
    """Every recomputed column equals the feature layer's result on the edited application."""
    sk_id = ids[1]
    changes = {"EXT_SOURCE_3": 0.05, "AMT_CREDIT": 9e5, "DAYS_EMPLOYED": DAYS_SENTINEL}
    edited = scorer.edited_features(sk_id, changes)
    expected = new_client_features(
        {**scorer.application(sk_id), **changes}, scorer.application_spec
    )
    changed = _differing(edited, scorer.known_features([sk_id]))
    assert {"EXT_SOURCE_3", "EXT_SOURCE_MEAN", "AMT_CREDIT", "DAYS_EMPLOYED_SENTINEL"} <= changed
    for column in changed:
        got, want = edited[column].iloc[0], expected[column].iloc[0]
        assert (pd.isna(got) and pd.isna(want)) or got == pytest.approx(want), column
    assert pd.isna(edited["DAYS_EMPLOYED"].iloc[0])  # the pensioners' placeholder is missing


def test_the_what_if_is_the_score_of_the_edited_row(scorer: Scorer, ids: list[int]) -> None:
    sk_id = ids[2]
    changes = {"EXT_SOURCE_2": 0.01, "EXT_SOURCE_3": 0.01}
    answer = scorer.what_if(sk_id, changes)
    expected = scorer.model.predict_proba(scorer.edited_features(sk_id, changes))[0]
    assert answer.sk_id_curr == sk_id and answer.probability == pytest.approx(expected)
    assert answer.probability != scorer.predict_ids([sk_id])[0].probability
    assert answer.decision == ("refused" if expected >= answer.threshold else "accepted")


def test_the_application_of_a_client_reads_back_their_fields(
    scorer: Scorer, features: pd.DataFrame, ids: list[int]
) -> None:
    sk_id = ids[3]
    application = scorer.application(sk_id)
    row = features.loc[sk_id]
    assert application["AMT_CREDIT"] == pytest.approx(float(row["AMT_CREDIT"]))
    assert isinstance(application["DAYS_BIRTH"], int)
    pensioners = features.index[features["DAYS_EMPLOYED_SENTINEL"] == 1].to_numpy()
    if len(pensioners):
        assert scorer.application(int(pensioners[0]))["DAYS_EMPLOYED"] == DAYS_SENTINEL


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"AMT_INCOME_TOTAL": -5.0}, "AMT_INCOME_TOTAL"),
        ({"EXT_SOURCE_2": 1.5}, "EXT_SOURCE_2"),
        ({"NAME_INCOME_TYPE": "Wizard"}, "NAME_INCOME_TYPE"),
        ({"DAYS_BIRTH": 100}, "DAYS_BIRTH"),
    ],
)
def test_an_invalid_edit_names_the_field(
    scorer: Scorer, ids: list[int], changes: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        scorer.what_if(ids[0], changes)
    assert field in {str(part) for part in raised.value.errors()[0]["loc"]}


def test_a_what_if_of_an_unknown_client_names_it(scorer: Scorer) -> None:
    with pytest.raises(UnknownClientError, match="7"):
        scorer.what_if(7, {"AMT_INCOME_TOTAL": 1e5})


def test_reading_back_is_exact_for_the_raw_fields(scorer: Scorer, ids: list[int]) -> None:
    """The raw fields of the row survive the round trip through the feature layer."""
    sk_id = ids[4]
    recomputed = new_client_features(scorer.application(sk_id), scorer.application_spec)
    stored = scorer.known_features([sk_id])
    for column in ("AMT_INCOME_TOTAL", "AMT_ANNUITY", "DAYS_BIRTH", "EXT_SOURCE_2"):
        assert np.float32(recomputed[column].iloc[0]) == stored[column].iloc[0], column
