"""Reason codes: every feature in exactly one group, never a protected attribute nor age among a
refusal's reasons, stable codes, and 1 to 4 positive reasons on every refusal of the champion."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from credit_assets.features.feature_sets import PROTECTED_ATTRIBUTES
from credit_assets.models import ScoringModel
from credit_assets.serving.reasons import MAX_REASONS, REASONS, ReasonGroup, ReasonTable
from credit_assets.serving.refusals import ModelReasons
from credit_assets.serving.schemas import ExplainRequest
from credit_assets.serving.scorer import Scorer

TABLE = ReasonTable()


def test_every_feature_of_the_client_table_is_in_exactly_one_group(
    features: pd.DataFrame,
) -> None:
    names = [c for c in features.columns if c not in PROTECTED_ATTRIBUTES]
    grouping = TABLE.grouping(names)
    members = sorted(i for group in grouping.member for i in group)
    assert members == list(range(len(names)))
    np.testing.assert_array_equal(grouping.matrix.sum(axis=1), 1.0)


@pytest.mark.parametrize("attribute", PROTECTED_ATTRIBUTES)
def test_a_protected_attribute_can_never_be_a_reason(attribute: str) -> None:
    with pytest.raises(ValueError, match=f"{attribute} is a protected attribute"):
        TABLE.group_of(attribute)
    with pytest.raises(ValueError, match="protected"):
        TABLE.grouping(["EXT_SOURCE_1", attribute])


@pytest.mark.parametrize(
    ("feature", "code"),
    [
        ("EXT_SOURCE_3", "R01"),
        ("EXT_SOURCE_MEAN", "R01"),
        ("EXT_SOURCE_PROD", "R01"),
        ("BURO_CREDIT_DAY_OVERDUE_MAX", "R02"),
        ("BURO_AMT_CREDIT_SUM_DEBT_SUM", "R03"),
        ("INSTAL_DPD_MEAN", "R05"),
        ("INSTAL_1Y_DPD_MAX", "R05"),
        ("INSTAL_LATE_SHARE", "R05"),
        ("PREV_REFUSED_COUNT", "R12"),
        ("APARTMENTS_AVG", "R18"),
        ("APARTMENTS_MODE", "R18"),
        ("APARTMENTS_MEDI", "R18"),
        ("DAYS_BIRTH", "N01"),
        ("AGE_YEARS", "N01"),
        ("DAYS_EMPLOYED_PERC", "N01"),
        ("DAYS_EMPLOYED", "R16"),
        ("NAME_FAMILY_STATUS", "N02"),
        ("CNT_CHILDREN", "R22"),
    ],
)
def test_the_same_fact_always_gets_the_same_code(feature: str, code: str) -> None:
    assert TABLE.group_of(feature).code == code


def test_codes_are_unique_and_only_age_and_marital_status_are_never_refusal_reasons() -> None:
    codes = [g.code for g in REASONS]
    assert len(set(codes)) == len(codes)
    assert [g.code for g in REASONS if not g.refusal] == ["N01", "N02"]
    assert REASONS[-1].patterns == (".*",)
    with pytest.raises(ValueError, match="unique"):
        ReasonTable([REASONS[0], REASONS[0]])


@pytest.mark.parametrize("group", [g for g in REASONS if g.refusal], ids=lambda g: g.code)
def test_a_refusal_reason_reads_as_one_plain_sentence(group: ReasonGroup) -> None:
    text = group.text
    assert text[0].isupper() and text.endswith(".") and text.count(".") == 1
    # What a model says, not what an applicant can read or act on.
    jargon = ("risk", "log-odds", "feature", "WoE", "point-of-sale", "drawings", "model")
    assert not [word for word in jargon if word.lower() in text.lower()]
    assert not re.search(r"\b[A-Z_]{4,}\b", text), "a column name in an applicant's sentence"


def test_a_name_no_group_matches_is_named() -> None:
    table = ReasonTable([ReasonGroup("R01", "t", "x", ("EXT_.*",))])
    with pytest.raises(ValueError, match="'AMT_CREDIT'"):
        table.group_of("AMT_CREDIT")


def test_reasons_are_the_largest_positive_refusal_groups_first() -> None:
    grouping = TABLE.grouping(["DAYS_BIRTH", "EXT_SOURCE_1", "AMT_CREDIT", "INSTAL_DPD_MAX",
                               "CC_SK_DPD_MAX", "PREV_REFUSED_COUNT", "FLAG_OWN_CAR"])  # fmt: skip
    codes = [g.code for g in grouping.groups]
    assert codes == ["N01", "R01", "R05", "R10", "R12", "R15", "R24"]
    grouped = np.array(
        [
            [9.0, 0.5, 0.1, 0.3, 0.2, -1.0, 0.4],  # age the largest: never said
            [0.0, -0.1, -0.2, 0.0, -0.3, -0.1, -0.2],  # nothing raised the risk
            [0.0, 0.0, 0.2, 0.0, 0.0, 0.0, 0.0],
        ]
    )
    picked = [[codes[g] for g in row] for row in grouping.reasons(grouped)]
    assert picked == [["R01", "R24", "R10", "R12"], [], ["R05"]]
    assert len(grouping.reasons(grouped, limit=2)[0]) == 2
    with pytest.raises(ValueError, match="7 features"):
        grouping.totals(np.zeros((1, 3)))


def test_every_refusal_has_one_to_four_positive_reasons_and_acceptances_none(
    scorer: Scorer, features: pd.DataFrame
) -> None:
    ids = [int(i) for i in features.index[:400]]
    predictions = scorer.predict_ids(ids)
    refused = [p for p in predictions if p.decision == "refused"]
    accepted = [p for p in predictions if p.decision == "accepted"]
    assert refused and accepted
    assert all(p.reason_codes == [] for p in accepted)
    reasons = ModelReasons(scorer.model)
    _, totals = reasons.grouped(scorer.known_features([p.sk_id_curr or 0 for p in refused]))
    position = {g.code: i for i, g in enumerate(reasons.grouping.groups)}
    for prediction, row in zip(refused, totals, strict=True):
        codes = [r.code for r in prediction.reason_codes]
        assert 1 <= len(codes) <= MAX_REASONS
        assert not {"N01", "N02"} & set(codes)
        pushes = [row[position[c]] for c in codes]
        assert all(p > 0 for p in pushes) and pushes == sorted(pushes, reverse=True)
        texts = {g.code: g.text for g in REASONS}
        assert [r.text for r in prediction.reason_codes] == [texts[c] for c in codes]


def test_explain_groups_add_up_to_the_log_odds(scorer: Scorer, features: pd.DataFrame) -> None:
    sk_id = int(features.index.to_numpy()[3])
    answer = scorer.explain(ExplainRequest(sk_id_curr=sk_id, top_k=5))
    total = answer.base + sum(g.contribution for g in answer.groups)
    assert total == pytest.approx(math.log(answer.probability / (1 - answer.probability)))
    sizes = [abs(g.contribution) for g in answer.groups]
    assert sizes == sorted(sizes, reverse=True)
    listed = sorted(f for g in answer.groups for f in g.features)
    assert listed == sorted(scorer.model.feature_names)
    assert answer.reason_codes == scorer.predict_ids([sk_id])[0].reason_codes


def test_a_scorecard_refusal_is_explained_by_the_points_lost(
    scorer: Scorer, features: pd.DataFrame, lake: object, train: object
) -> None:
    from credit_assets.models.scorecard import points_lost

    card: ScoringModel = train(lake, "scorecard")  # type: ignore[operator]
    frame = features.iloc[:300]
    decisions = card.decide(card.predict_proba(frame)).tolist()
    reasons = ModelReasons(card)
    codes = reasons.codes(frame, decisions)
    lost = points_lost(card, frame)
    refused = [i for i, d in enumerate(decisions) if d == "refused"]
    assert refused and all(codes[i] == [] for i, d in enumerate(decisions) if d == "accepted")
    group_of = {f: TABLE.group_of(str(f)) for f in lost.columns}
    for i in refused:
        assert 1 <= len(codes[i]) <= MAX_REASONS
        by_group = lost.iloc[i].groupby(lambda f: group_of[f].code).sum()
        said = by_group[[c.code for c in codes[i]]]
        assert (said > 0).all() and said.is_monotonic_decreasing
        unsaid = by_group.drop(said.index).drop(["N01", "N02"], errors="ignore")
        assert (unsaid <= said.min()).all()
