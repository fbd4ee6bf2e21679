"""The HTTP API through BentoML's ASGI app: every endpoint and every kind of bad input."""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from starlette.testclient import TestClient

from credit_assets.defs.resources import DataLake
from credit_assets.features.common import KEY as SK_ID
from credit_assets.kaggle import SIDE_TABLES
from credit_assets.models import ScoringModel
from credit_assets.serving.history import MAX_HISTORY_ROWS
from credit_assets.serving.schemas import MAX_BATCH_IDS


@pytest.fixture(scope="module")
def client(service_app: Any) -> Iterator[TestClient]:
    with TestClient(service_app) as client:
        yield client


def test_predict_a_known_client(
    client: TestClient, champion: ScoringModel, features: pd.DataFrame, ids: list[int]
) -> None:
    sk_id = ids[0]
    answer = client.post("/predict", json={"sk_id_curr": sk_id})
    assert answer.status_code == 200
    body = answer.json()
    expected = champion.predict_proba(features.loc[[sk_id]])[0]
    assert body["sk_id_curr"] == sk_id
    assert body["probability"] == pytest.approx(expected, abs=1e-12)
    assert body["threshold"] == pytest.approx(champion.threshold)
    assert body["decision"] == ("refused" if expected >= champion.threshold else "accepted")
    assert body["model_version"] == champion.version
    assert body["data_kind"] == "synthetic"
    assert body["scored_on"] == "history"


def test_predict_a_new_application(
    client: TestClient, application: dict[str, Any], lake: DataLake
) -> None:
    answer = client.post("/predict", json={"application": application})
    assert answer.status_code == 200
    body = answer.json()
    assert body["sk_id_curr"] == application["SK_ID_CURR"] and 0.0 < body["probability"] < 1.0
    assert body["decision"] in {"accepted", "refused"}
    # Without history the application-only champion answers, at its own threshold.
    own = ScoringModel.load(lake.champion_path("application_only"))
    assert body["scored_on"] == "application_only"
    assert body["model_version"] == own.version
    assert body["threshold"] == pytest.approx(own.threshold)


def test_an_application_needs_only_the_required_fields(client: TestClient) -> None:
    minimal = {
        "AMT_INCOME_TOTAL": 1.5e5,
        "AMT_CREDIT": 4e5,
        "AMT_ANNUITY": 2e4,
        "DAYS_BIRTH": -12000,
    }
    answer = client.post("/predict", json={"application": minimal})
    assert answer.status_code == 200 and answer.json()["sk_id_curr"] is None


def test_batch_of_ids_matches_single_predictions(
    client: TestClient, champion: ScoringModel, ids: list[int]
) -> None:
    ids = [*ids[:40], ids[0]]
    answer = client.post("/predict_batch", json={"sk_id_curr": ids})
    assert answer.status_code == 200
    body = answer.json()
    assert [p["sk_id_curr"] for p in body["predictions"]] == ids
    single = client.post("/predict", json={"sk_id_curr": ids[3]}).json()
    assert body["predictions"][3]["probability"] == pytest.approx(single["probability"])
    assert {p["model_version"] for p in body["predictions"]} == {champion.version}
    assert {p["scored_on"] for p in body["predictions"]} == {"history"}


def test_batch_of_applications(client: TestClient, application: dict[str, Any]) -> None:
    other = {**application, "SK_ID_CURR": 1, "AMT_CREDIT": application["AMT_CREDIT"] * 3}
    answer = client.post("/predict_batch", json={"applications": [application, other]})
    assert answer.status_code == 200
    scores = answer.json()["predictions"]
    assert [s["sk_id_curr"] for s in scores] == [application["SK_ID_CURR"], 1]
    single = client.post("/predict", json={"application": application}).json()
    assert scores[0]["probability"] == pytest.approx(single["probability"])


def test_explain_gives_exact_readable_reasons(
    client: TestClient, champion: ScoringModel, features: pd.DataFrame, ids: list[int]
) -> None:
    sk_id = ids[1]
    answer = client.post("/explain", json={"sk_id_curr": sk_id, "top_k": 5})
    assert answer.status_code == 200
    body = answer.json()
    reasons = body["reasons"]
    assert len(reasons) == 5
    total = body["base"] + sum(r["contribution"] for r in reasons) + body["other"]
    probability = body["probability"]
    assert total == pytest.approx(math.log(probability / (1 - probability)), abs=1e-6)
    magnitudes = [abs(r["contribution"]) for r in reasons]
    assert magnitudes == sorted(magnitudes, reverse=True)
    row = features.loc[sk_id]
    for reason in reasons:
        assert reason["feature"] in champion.feature_names
        assert reason["description"] and reason["description"] != reason["feature"]
        assert reason["effect"] == ("raises risk" if reason["contribution"] > 0 else "lowers risk")
        value = row[reason["feature"]]
        if isinstance(value, str):
            assert reason["value"] == value
        elif value is None or (isinstance(value, float) and np.isnan(value)):
            assert reason["value"] is None
        else:
            assert reason["value"] == pytest.approx(float(value), rel=1e-6)


def test_explain_a_new_application(client: TestClient, application: dict[str, Any]) -> None:
    answer = client.post("/explain", json={"application": application, "top_k": 3})
    assert answer.status_code == 200 and len(answer.json()["reasons"]) == 3


@pytest.fixture(scope="module")
def with_history(lake: DataLake, features: pd.DataFrame) -> tuple[int, dict[str, Any]]:
    """A known training client with rows in every side table, as a new applicant's request:
    their raw application and every raw row the lake holds for them."""
    tables = {t: pl.read_parquet(lake.raw_table(t)) for t in (*SIDE_TABLES, "application_train")}
    owners = [set(tables[t][SK_ID]) for t in SIDE_TABLES if t != "bureau_balance"]
    sk_id = min(set.intersection(*owners) & set(features.index))
    application = tables["application_train"].filter(pl.col(SK_ID) == sk_id).drop("TARGET")
    history = {t: _rows(tables[t].filter(pl.col(SK_ID) == sk_id)) for t in SIDE_TABLES
               if t != "bureau_balance"}  # fmt: skip
    credits = [r["SK_ID_BUREAU"] for r in history["bureau"]]
    history["bureau_balance"] = _rows(
        tables["bureau_balance"].filter(pl.col("SK_ID_BUREAU").is_in(credits))
    )
    return sk_id, {"application": _rows(application)[0], "history": history}


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if v is not None} for r in frame.rows(named=True)]


def test_a_new_applicant_with_history_scores_as_the_known_client(
    client: TestClient,
    champion: ScoringModel,
    features: pd.DataFrame,
    with_history: tuple[int, dict[str, Any]],
) -> None:
    sk_id, body = with_history
    answer = client.post("/predict", json=body)
    assert answer.status_code == 200
    expected = champion.predict_proba(features.loc[[sk_id]])[0]
    assert answer.json()["probability"] == pytest.approx(expected, abs=1e-6)
    assert answer.json()["scored_on"] == "history"
    by_id = client.post("/predict", json={"sk_id_curr": sk_id}).json()
    assert answer.json()["probability"] == pytest.approx(by_id["probability"], abs=1e-6)
    without = client.post("/predict", json={"application": body["application"]}).json()
    assert without["scored_on"] == "application_only"
    assert without["probability"] != pytest.approx(expected, abs=1e-6)


def test_histories_travel_with_their_applications(
    client: TestClient, with_history: tuple[int, dict[str, Any]]
) -> None:
    _, body = with_history
    application, history = body["application"], body["history"]
    batch = {"applications": [application, application], "histories": [history, None]}
    answer = client.post("/predict_batch", json=batch)
    assert answer.status_code == 200
    scores = [s["probability"] for s in answer.json()["predictions"]]
    kinds = [s["scored_on"] for s in answer.json()["predictions"]]
    assert kinds == ["history", "application_only"]
    alone = [
        client.post("/predict", json=one).json()["probability"]
        for one in (body, {"application": application})
    ]
    assert scores == pytest.approx(alone, abs=1e-9)


def test_explain_a_new_applicant_with_history(
    client: TestClient, with_history: tuple[int, dict[str, Any]]
) -> None:
    _, body = with_history
    answer = client.post("/explain", json={**body, "top_k": 20})
    assert answer.status_code == 200
    explained = answer.json()
    predicted = client.post("/predict", json=body).json()
    assert explained["probability"] == pytest.approx(predicted["probability"], abs=1e-9)
    assert any(r["feature"].startswith(SIDE_PREFIXES) for r in explained["reasons"])


SIDE_PREFIXES = ("BURO_", "ACTIVE_", "CLOSED_", "PREV_", "APPROVED_", "REFUSED_", "POS_", "INSTAL_",
                 "CC_")  # fmt: skip
"""The prefixes of the side-table features (bureau, previous applications, monthly tables)."""


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_model_info(
    client: TestClient, champion: ScoringModel, features: pd.DataFrame, method: str
) -> None:
    answer = client.request(method, "/model_info")
    assert answer.status_code == 200
    info = answer.json()
    assert info["version"] == champion.version and info["name"] == "lightgbm"
    assert info["threshold"] == pytest.approx(champion.threshold)
    assert info["feature_count"] == len(champion.feature_names)
    assert info["known_clients"] == len(features)
    assert info["data_kind"] == "synthetic" and info["trained_at"] == champion.trained_at
    assert info["metrics"]["holdout_auc"] > 0.5
    assert info["bento_model"].startswith("credit_scoring_champion:")
    assert info["features"] == champion.feature_names
    assert "CODE_GENDER" in info["excluded_attributes"]
    assert "CODE_GENDER" not in info["features"]
    assert {m["scored_on"] for m in info["models"]} == {"history", "application_only"}
    assert "cv_auc_mean" in info["figure_kinds"]["out_of_fold"]


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/metrics"])
def test_health_and_metrics_endpoints_stay_on(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_unknown_id_is_a_404_naming_it(client: TestClient) -> None:
    answer = client.post("/predict", json={"sk_id_curr": 999_999_999})
    assert answer.status_code == 404 and "999999999" in answer.text


def test_unknown_ids_in_a_batch_are_named(client: TestClient, ids: list[int]) -> None:
    answer = client.post("/predict_batch", json={"sk_id_curr": [*ids[:3], 7, 8]})
    assert answer.status_code == 404 and "7, 8" in answer.text


def test_explain_of_an_unknown_id_is_a_404(client: TestClient) -> None:
    answer = client.post("/explain", json={"sk_id_curr": 5})
    assert answer.status_code == 404 and "5" in answer.text


_JSON = {"content-type": "application/json"}
KEY = "s3cret"
MISSING = object()


def _with(application: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    changed = {**application, field: value}
    return {k: v for k, v in changed.items() if v is not MISSING}


BAD_PREDICT: list[tuple[str, Any, list[Any]]] = [
    ("id as text", {"sk_id_curr": "100002"}, ["sk_id_curr"]),
    ("id as float", {"sk_id_curr": 100002.5}, ["sk_id_curr"]),
    ("negative id", {"sk_id_curr": -1}, ["sk_id_curr"]),
    ("id as boolean", {"sk_id_curr": True}, ["sk_id_curr"]),
    ("unknown field", {"sk_id_curr": 100002, "score": 1}, ["score"]),
    ("neither id nor application", {}, []),
    ("application not an object", {"application": [1, 2]}, ["application"]),
]
BAD_APPLICATION: list[tuple[str, str, Any]] = [
    ("missing required field", "AMT_CREDIT", MISSING),
    ("unknown field", "INCOME", 1),
    ("number as text", "AMT_INCOME_TOTAL", "high"),
    ("integer field given a fraction", "CNT_CHILDREN", 1.5),
    ("negative amount", "AMT_CREDIT", -5.0),
    ("score above 1", "EXT_SOURCE_2", 1.5),
    ("birth in the future", "DAYS_BIRTH", 10),
    ("flag not 0 or 1", "FLAG_PHONE", 2),
    ("unknown category", "NAME_INCOME_TYPE", "Astronaut"),
    ("empty text", "CODE_GENDER", ""),
]


@pytest.mark.parametrize(("case", "body", "loc"), BAD_PREDICT, ids=[c[0] for c in BAD_PREDICT])
def test_bad_predict_request_is_a_400_naming_the_field(
    client: TestClient, case: str, body: Any, loc: list[Any]
) -> None:
    answer = client.post("/predict", json=body)
    assert answer.status_code == 400, case
    assert answer.json()["detail"][0]["loc"] == loc


@pytest.mark.parametrize(
    ("case", "field", "value"), BAD_APPLICATION, ids=[c[0] for c in BAD_APPLICATION]
)
def test_bad_application_is_a_400_naming_the_field(
    client: TestClient, application: dict[str, Any], case: str, field: str, value: Any
) -> None:
    answer = client.post("/predict", json={"application": _with(application, field, value)})
    assert answer.status_code == 400, case
    assert answer.json()["detail"][0]["loc"] == ["application", field]


BUREAU_ROW = {"SK_ID_BUREAU": 1, "CREDIT_ACTIVE": "Active", "DAYS_CREDIT": -400}
BAD_HISTORY: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("unknown table", {"loans": []}, ["history", "loans"]),
    ("table not a list", {"bureau": BUREAU_ROW}, ["history", "bureau"]),
    ("unknown column", {"bureau": [BUREAU_ROW | {"SCORE": 1}]}, ["history", "bureau", 0, "SCORE"]),
    ("missing link key", {"previous_application": [{"AMT_CREDIT": 1.0}]},
     ["history", "previous_application", 0, "SK_ID_PREV"]),
    ("number as text", {"bureau": [BUREAU_ROW | {"AMT_CREDIT_SUM": "1000"}]},
     ["history", "bureau", 0, "AMT_CREDIT_SUM"]),
    ("integer given a fraction", {"bureau": [BUREAU_ROW | {"DAYS_CREDIT": -1.5}]},
     ["history", "bureau", 0, "DAYS_CREDIT"]),
    ("credit opened after the application", {"bureau": [BUREAU_ROW | {"DAYS_CREDIT": 3}]},
     ["history", "bureau", 0, "DAYS_CREDIT"]),
    ("negative amount", {"installments_payments": [{"SK_ID_PREV": 1, "AMT_PAYMENT": -5.0}]},
     ["history", "installments_payments", 0, "AMT_PAYMENT"]),
    ("month after the application", {"POS_CASH_balance": [{"SK_ID_PREV": 1, "MONTHS_BALANCE": 2}]},
     ["history", "POS_CASH_balance", 0, "MONTHS_BALANCE"]),
    ("unknown status", {"credit_card_balance": [{"SK_ID_PREV": 1, "NAME_CONTRACT_STATUS": "Late"}]},
     ["history", "credit_card_balance", 0, "NAME_CONTRACT_STATUS"]),
    ("rows of two clients", {"bureau": [BUREAU_ROW | {"SK_ID_CURR": 5},
                                        BUREAU_ROW | {"SK_ID_BUREAU": 2, "SK_ID_CURR": 6}]},
     ["history", "bureau", 1, "SK_ID_CURR"]),
    ("repeated credit", {"bureau": [BUREAU_ROW, BUREAU_ROW]},
     ["history", "bureau", 1, "SK_ID_BUREAU"]),
    ("monthly status of an unknown credit",
     {"bureau": [BUREAU_ROW], "bureau_balance": [{"SK_ID_BUREAU": 9, "MONTHS_BALANCE": -1}]},
     ["history", "bureau_balance", 0, "SK_ID_BUREAU"]),
    ("too many rows", {"bureau": [BUREAU_ROW | {"SK_ID_BUREAU": i}
                                  for i in range(MAX_HISTORY_ROWS["bureau"] + 1)]},
     ["history", "bureau"]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "history", "loc"), BAD_HISTORY, ids=[c[0] for c in BAD_HISTORY])
def test_bad_history_is_a_400_naming_table_row_and_field(
    client: TestClient, application: dict[str, Any], case: str, history: Any, loc: list[Any]
) -> None:
    answer = client.post("/predict", json={"application": application, "history": history})
    assert answer.status_code == 400, case
    assert answer.json()["detail"][0]["loc"] == loc


def test_history_rows_of_another_client_than_the_application_are_a_400(
    client: TestClient, application: dict[str, Any]
) -> None:
    other = application["SK_ID_CURR"] + 1
    history = {"bureau": [BUREAU_ROW | {"SK_ID_CURR": other}]}
    answer = client.post("/predict", json={"application": application, "history": history})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["history", "bureau", 0, "SK_ID_CURR"]
    assert f"SK_ID_CURR {other} is not {application['SK_ID_CURR']}" in answer.text


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/predict", {"sk_id_curr": 1, "history": {}}, ["history"]),
        ("/explain", {"sk_id_curr": 1, "history": {}}, ["history"]),
        ("/predict_batch", {"sk_id_curr": [1], "histories": [None]}, ["histories"]),
        ("/predict_batch", {"applications": [{}], "histories": [None]},
         ["applications", 0, "AMT_INCOME_TOTAL"]),
    ],
    ids=["known id", "explain a known id", "batch of ids", "invalid application"],
)  # fmt: skip
def test_a_history_goes_with_a_new_application_only(
    client: TestClient, path: str, body: dict[str, Any], loc: list[Any]
) -> None:
    answer = client.post(path, json=body)
    assert answer.status_code == 400 and answer.json()["detail"][0]["loc"] == loc


def test_a_batch_needs_one_history_per_application(
    client: TestClient, application: dict[str, Any]
) -> None:
    body = {"applications": [application, application], "histories": [None]}
    answer = client.post("/predict_batch", json=body)
    assert answer.status_code == 400 and answer.json()["detail"][0]["loc"] == ["histories"]
    bad = {"bureau": [BUREAU_ROW | {"DAYS_CREDIT": 3}]}
    answer = client.post("/predict_batch", json={**body, "histories": [None, bad]})
    assert answer.json()["detail"][0]["loc"] == ["histories", 1, "bureau", 0, "DAYS_CREDIT"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(
    client: TestClient, application: dict[str, Any], literal: str
) -> None:
    text = json.dumps({"application": _with(application, "AMT_ANNUITY", "@")})
    answer = client.post("/predict", content=text.replace('"@"', literal))
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["application", "AMT_ANNUITY"]


def test_a_category_unknown_in_a_batch_names_its_position(
    client: TestClient, application: dict[str, Any]
) -> None:
    bad = _with(application, "NAME_HOUSING_TYPE", "Castle")
    answer = client.post("/predict_batch", json={"applications": [application, bad]})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["applications", 1, "NAME_HOUSING_TYPE"]


def test_malformed_json_is_a_400(client: TestClient) -> None:
    answer = client.post("/predict", content=b'{"sk_id_curr": 1', headers=_JSON)
    assert answer.status_code == 400


@pytest.mark.parametrize("top_k", [0, 51, "3"])
def test_explain_top_k_out_of_range(client: TestClient, ids: list[int], top_k: Any) -> None:
    body = {"sk_id_curr": ids[0], "top_k": top_k}
    answer = client.post("/explain", json=body)
    assert answer.status_code == 400 and answer.json()["detail"][0]["loc"] == ["top_k"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"sk_id_curr": list(range(MAX_BATCH_IDS + 1))}, ["sk_id_curr"]),
        ({"sk_id_curr": []}, ["sk_id_curr"]),
        ({"sk_id_curr": [1], "applications": [{}]}, ["applications", 0, "AMT_INCOME_TOTAL"]),
    ],
    ids=["oversized", "empty", "both kinds"],
)
def test_bad_batch_is_a_400(client: TestClient, body: dict[str, Any], loc: list[Any]) -> None:
    answer = client.post("/predict_batch", json=body)
    assert answer.status_code == 400 and answer.json()["detail"][0]["loc"] == loc


def test_oversized_body_is_refused_before_reading(client: TestClient) -> None:
    padding = b" " * (8 * 1024 * 1024 + 1)
    answer = client.post("/predict_batch", content=b'{"sk_id_curr": [1]}' + padding, headers=_JSON)
    assert answer.status_code == 413 and "split the batch" in answer.json()["error"]


def test_the_service_stays_up_after_bad_input(client: TestClient, ids: list[int]) -> None:
    for body in ({"sk_id_curr": "x"}, {"sk_id_curr": 1}, {"application": {}}):
        assert client.post("/predict", json=body).status_code in {400, 404}
    answer = client.post("/predict", json={"sk_id_curr": ids[0]})
    assert answer.status_code == 200


class TestApiKey:
    """With ``CREDIT_API_KEY`` set, every call but the probes needs it."""

    @pytest.fixture(autouse=True)
    def _key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CREDIT_API_KEY", KEY)

    @pytest.mark.parametrize(
        "headers", [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}]
    )
    def test_missing_or_wrong_key_is_a_401(
        self, client: TestClient, ids: list[int], headers: dict[str, str]
    ) -> None:
        body = {"sk_id_curr": ids[0]}
        answer = client.post("/predict", json=body, headers=headers)
        assert answer.status_code == 401 and "API key" in answer.json()["error"]
        assert client.get("/model_info", headers=headers).status_code == 401

    @pytest.mark.parametrize(
        "headers", [{"X-API-Key": "s3cret"}, {"Authorization": "Bearer s3cret"}]
    )
    def test_the_key_opens_the_api(
        self, client: TestClient, ids: list[int], headers: dict[str, str]
    ) -> None:
        body = {"sk_id_curr": ids[0]}
        assert client.post("/predict", json=body, headers=headers).status_code == 200

    def test_probes_need_no_key(self, client: TestClient) -> None:
        assert client.get("/livez").status_code == 200
        assert client.get("/readyz").status_code == 200


def test_what_the_service_loaded_is_out_of_the_collectors_sight(client: TestClient) -> None:
    # gc.freeze() at the end of the service's start: a full collection would otherwise walk the
    # client store's text columns on some request (0.2-0.3 s at full scale).
    assert client.get("/readyz").status_code == 200
    assert gc.get_freeze_count() > 10_000
