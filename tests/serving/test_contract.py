"""The API keeps the contract it publishes at ``/docs.json``.

Schemathesis reads the document of the served Bento (``bentoml serve``, API key on), generates
valid and invalid requests for every operation from a fixed seed, and runs every check it has:
answers and error bodies match their schemas, valid requests are accepted and invalid ones
refused, no status or method is undocumented, the key is enforced. The document itself is then
checked on the points Schemathesis found wrong in BentoML's own one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

HOOKS = Path(__file__).with_name("contract_hooks.py")
EXAMPLES_PER_OPERATION = 25
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def test_schemathesis_finds_nothing(served: str, served_key: str, tmp_path: Path) -> None:
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", f"{served}/docs.json"),
        *("--checks", "all", "--max-examples", str(EXAMPLES_PER_OPERATION)),
        *("--seed", "0", "--generation-deterministic", "--workers", "1"),
        *("--header", f"X-API-Key: {served_key}", "--request-timeout", "30"),
        *("--report", "junit", "--report-junit-path", str(tmp_path / "junit.xml")),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS), "NO_COLOR": "1"}
    # In tmp_path: Schemathesis keeps a cache of what it found in its working directory.
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    # It did test every operation, with generated requests (not just loaded the document).
    report = (tmp_path / "junit.xml").read_text()
    for operation in ("POST /predict", "POST /predict_batch", "POST /explain", "GET /model_info"):
        assert f'name="{operation}"' in report


@pytest.fixture(scope="module")
def published(served: str, served_key: str) -> dict[str, Any]:
    request = urllib.request.Request(f"{served}/docs.json", headers={"X-API-Key": served_key})
    with LOOPBACK.open(request, timeout=30) as answer:
        return json.loads(answer.read())


def test_model_info_is_published_with_both_methods_it_answers(published: dict[str, Any]) -> None:
    assert set(published["paths"]["/model_info"]) == {"get", "post"}


def test_a_request_is_exactly_one_kind_of_client(published: dict[str, Any]) -> None:
    schemas = published["components"]["schemas"]
    for name, known, new in [
        ("PredictRequest", "sk_id_curr", "application"),
        ("BatchRequest", "sk_id_curr", "applications"),
    ]:
        assert [branch["required"] for branch in schemas[name]["oneOf"]] == [[known], [new]]


def test_error_bodies_are_published_as_served(published: dict[str, Any]) -> None:
    responses = published["paths"]["/predict"]["post"]["responses"]
    assert {"200", "400", "401", "404", "413", "415", "500"} <= set(responses)
    invalid = published["components"]["schemas"]["InvalidRequest"]
    assert invalid["properties"]["detail"]["type"] == "array"
