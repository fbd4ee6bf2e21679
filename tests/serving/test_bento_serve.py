"""The packaged Bento, exported and imported into an empty BentoML home, served by
``bentoml serve`` in a subprocess on loopback (the session's ``served`` fixture), answers over
real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import bentoml
import dagster as dg
import pytest

from credit_assets.models import ScoringModel

pytestmark = pytest.mark.slow

LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""Straight to 127.0.0.1, whatever proxy the environment names."""
KEY = "serve-test-key"
"""The key the session's ``served`` fixture (tests/serving/fixtures.py) starts the service with."""


def _call(url: str, body: Any = None, key: str | None = KEY) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json", **({"x-api-key": key} if key else {})}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with LOOPBACK.open(request, timeout=30) as answer:
            text = answer.read().decode()
            return answer.status, json.loads(text) if text.startswith(("{", "[")) else text
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError) as error:
        return 0, str(error)


def test_the_served_bento_answers(served: str, ids: list[int], champion: ScoringModel) -> None:
    status, prediction = _call(f"{served}/predict", {"sk_id_curr": ids[0]})
    assert status == 200 and prediction["model_version"] == champion.version
    status, batch = _call(f"{served}/predict_batch", {"sk_id_curr": ids[:3]})
    assert status == 200 and batch["predictions"][0]["probability"] == prediction["probability"]
    status, explanation = _call(f"{served}/explain", {"sk_id_curr": ids[0], "top_k": 3})
    assert status == 200 and len(explanation["reasons"]) == 3
    status, info = _call(f"{served}/model_info")
    assert status == 200 and info["version"] == champion.version


def test_the_served_bento_keeps_its_guards(served: str) -> None:
    assert _call(f"{served}/predict", {"sk_id_curr": 1}, key=None)[0] == 401
    status, text = _call(f"{served}/predict", {"sk_id_curr": 1})
    assert status == 404 and "1" in text
    assert _call(f"{served}/predict", {"sk_id_curr": "x"})[0] == 400


def test_health_and_metrics_over_http(served: str) -> None:
    assert _call(f"{served}/livez", key=None)[0] == 200
    status, metrics = _call(f"{served}/metrics", key=None)
    assert status == 200 and 'endpoint="/predict"' in metrics


def test_the_default_port_is_clear_of_dagster(deployment: dg.ExecuteInProcessResult) -> None:
    bento = bentoml.bentos.get("credit_scorer:latest")
    config: dict[str, Any] = dict(bento.info.services[0].config)
    assert config["http"]["port"] == 3917


def test_bento_folder_is_small(deployment: dg.ExecuteInProcessResult) -> None:
    bento = Path(bentoml.bentos.get("credit_scorer:latest").path)
    size = sum(f.stat().st_size for f in bento.rglob("*") if f.is_file())
    assert size < 5_000_000
