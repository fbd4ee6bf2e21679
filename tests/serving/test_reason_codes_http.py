"""Reason codes over HTTP: ``GET /reason_codes`` publishes them, refusals carry them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from starlette.testclient import TestClient

from credit_assets.models import ScoringModel
from credit_assets.serving.reasons import MAX_REASONS, REASONS


@pytest.fixture(scope="module")
def client(service_app: Any) -> Iterator[TestClient]:
    with TestClient(service_app) as client:
        yield client


def test_reason_codes_are_published(client: TestClient) -> None:
    answer = client.get("/reason_codes")
    assert answer.status_code == 200
    published = answer.json()
    assert [c["code"] for c in published] == [g.code for g in REASONS]
    assert all(c["text"] and c["title"] for c in published)
    assert [c["code"] for c in published if not c["refusal_reason"]] == ["N01", "N02"]


def test_predictions_carry_reason_codes_on_refusals_only(
    client: TestClient, champion: ScoringModel, features: pd.DataFrame
) -> None:
    ids = [int(i) for i in features.index[:200]]
    batch = client.post("/predict_batch", json={"sk_id_curr": ids}).json()["predictions"]
    texts = {g.code: g.text for g in REASONS if g.refusal}
    refused = [p for p in batch if p["decision"] == "refused"]
    assert refused and len(refused) < len(batch)
    for prediction in batch:
        codes = prediction["reason_codes"]
        if prediction["decision"] == "accepted":
            assert codes == []
            continue
        assert 1 <= len(codes) <= MAX_REASONS
        assert all(texts[c["code"]] == c["text"] for c in codes)
    single = client.post("/predict", json={"sk_id_curr": refused[0]["sk_id_curr"]}).json()
    assert single["reason_codes"] == refused[0]["reason_codes"]
