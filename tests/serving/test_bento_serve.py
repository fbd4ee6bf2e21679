"""The packaged Bento, exported and imported into an empty BentoML home, served by
``bentoml serve`` in a subprocess on loopback, answers over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bentoml
import dagster as dg
import pytest

from credit_assets.models import ScoringModel

pytestmark = pytest.mark.slow

KEY = "serve-test-key"
READY_SECONDS = 180
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""Straight to 127.0.0.1, whatever proxy the environment names."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


@pytest.fixture(scope="module")
def served(
    deployment: dg.ExecuteInProcessResult, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``bentoml serve credit_scorer:latest`` from a fresh home holding only the imported Bento."""
    root = tmp_path_factory.mktemp("served")
    archive = bentoml.bentos.export_bento("credit_scorer:latest", str(root / "credit_scorer.bento"))
    env = {**os.environ, "BENTOML_HOME": str(root / "home"), "CREDIT_API_KEY": KEY}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    bentoml_cli = [sys.executable, "-m", "bentoml"]
    subprocess.run([*bentoml_cli, "import", archive], env=env, check=True, capture_output=True)
    port = _free_port()
    log = (root / "serve.log").open("w")
    server = subprocess.Popen(
        [*bentoml_cli, "serve", "credit_scorer:latest", "--host", "127.0.0.1", "--port", str(port)],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_SECONDS
        while _call(f"{url}/readyz", key=None)[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"bentoml serve did not get ready:\n{(root / 'serve.log').read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


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
