"""The explainer's calls reach the prediction log through the API, marked as its own: lookups
and new applicants ``explainer``, what-ifs ``what_if``; the drift report's live traffic
(``origin == "api"``) never includes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credit_assets.defs.monitoring.assets import LIVE
from credit_assets.monitoring.prediction_log import prediction_log
from ui import fields
from ui.client import ScorerApi
from ui.explainer import Explainer


def _log_path(serving_env: Path) -> Path:
    return serving_env.parent / "predictions.sqlite"


def test_the_explainers_requests_are_logged_as_its_own_and_never_as_live_traffic(
    explainer: Explainer, api: ScorerApi, serving_env: Path, ids: list[int]
) -> None:
    log = prediction_log(_log_path(serving_env))
    live_before, seen = log.count(origins=LIVE), log.count()
    sk_id = ids[2]
    shown = explainer.client(str(sk_id)).form
    edited = list(shown)
    edited[[f.column for f in fields.NUMBERS].index("EXT_SOURCE_2")] = 0.9
    explainer.what_if(sk_id, shown, edited)
    typical = {"AMT_INCOME_TOTAL": 2e5, "AMT_CREDIT": 5e5, "AMT_ANNUITY": 2.5e4, "DAYS_BIRTH": -1e4}
    explainer.score_new(fields.form_values(typical))

    new = log.frame().iloc[seen:]
    assert new["origin"].tolist() == ["explainer", "what_if", "explainer"]
    assert new["client_id"].tolist()[:2] == [sk_id, sk_id]
    asked = json.loads(new["inputs"].iloc[1])
    assert asked == {"SK_ID_CURR": sk_id, "EXT_SOURCE_2": 0.9}  # the change, as asked
    assert log.count(origins=LIVE) == live_before

    api.http.post("/predict", json={"sk_id_curr": sk_id})  # anyone else: live traffic
    assert log.count(origins=LIVE) == live_before + 1
    assert log.frame().iloc[-1]["origin"] == "api"


def test_a_what_if_answers_before_and_after(api: ScorerApi, ids: list[int]) -> None:
    answer = api.what_if(ids[0], {"EXT_SOURCE_3": 0.01})
    assert answer.before.probability == api.explain(ids[0], 1).probability
    assert answer.after.probability != answer.before.probability


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"sk_id_curr": 1, "changes": {"EXT_SOURCE_3": 0.5}}, 404),
        ({"sk_id_curr": 0, "changes": {}}, 400),
    ],
    ids=["unknown client", "no change"],
)
def test_a_bad_what_if_is_refused(api: ScorerApi, body: dict, says: int) -> None:
    answer = api.http.post("/what_if", json=body)
    assert answer.status_code == says, answer.text


def test_an_unknown_origin_is_refused_naming_it(api: ScorerApi, ids: list[int]) -> None:
    answer = api.http.post(
        "/predict", json={"sk_id_curr": ids[0]}, headers={"X-Credit-Origin": "what_if"}
    )
    assert answer.status_code == 400 and "what_if" in answer.text


def test_the_lookups_refuse_a_feature_the_model_does_not_use(
    api: ScorerApi, ids: list[int]
) -> None:
    answer = api.http.post(
        "/client_features", json={"sk_id_curr": [ids[0]], "features": ["CODE_GENDER"]}
    )
    assert answer.status_code == 400 and "CODE_GENDER" in answer.text
    sample = api.population(["AMT_CREDIT"], size=50, seed=3)
    assert sample == api.population(["AMT_CREDIT"], size=50, seed=3)
    assert len(sample.sk_id_curr) == len(sample.probability) == 50
