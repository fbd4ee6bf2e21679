"""The API keeps the contract it publishes at ``/docs.json``.

Schemathesis reads the document of the served Bento (``bentoml serve``, API key on), generates
valid and invalid requests for every operation deterministically, and runs every check it has:
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

from credit_assets.serving.contract import HEADER_ORIGINS, INFRA_PATHS, ORIGIN_HEADER

pytestmark = pytest.mark.slow

HOOKS = Path(__file__).with_name("contract_hooks.py")
EXAMPLES_PER_OPERATION = 12
"""Fuzzing cases per operation, valid and invalid (Hypothesis tries each schema's bounds first)."""
# The coverage phase writes every case a schema defines and takes no bound. Its valid cases are
# a request per enum value and bound of each field: 1,164 new applications for /predict, 733
# samples of up to 20,000 clients for /population (100 s and 415 s on two busy cores). Its
# invalid cases (each field's wrong type, bounds and enum values, unexpected methods, content
# types and headers) are cheap and kept; valid requests come from the examples and fuzzing.
CONFIG = '[phases.coverage.generation]\nmode = "negative"\n'
CHECKS = {
    *("not_a_server_error", "status_code_conformance", "content_type_conformance"),
    *("response_headers_conformance", "response_schema_conformance", "negative_data_rejection"),
    *("positive_data_acceptance", "missing_required_header", "unsupported_method"),
    *("allow_header_conformance", "use_after_free", "ensure_resource_availability"),
    *("ignored_auth", "object_level_authorization"),
}
"""What ``--checks all`` names: each must have run at least once."""
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def test_schemathesis_finds_nothing(
    served: str, served_key: str, ids: list[int], published: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", "schemathesis.toml"),
        *("run", f"{served}/docs.json", "--phases", "examples,coverage,fuzzing"),
        *("--checks", "all", "--max-examples", str(EXAMPLES_PER_OPERATION)),
        *("--seed", "0", "--generation-deterministic", "--workers", "1"),
        *("--header", f"X-API-Key: {served_key}", "--request-timeout", "30"),
        *("--report", "ndjson", "--report-ndjson-path", "events.ndjson"),
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        "CONTRACT_KNOWN_CLIENTS": ",".join(map(str, ids)),
        "NO_COLOR": "1",
    }
    # In tmp_path: Schemathesis keeps a cache of what it found in its working directory.
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    # It did test every operation with generated requests, and ran every check on them.
    tested, checked = _tested(tmp_path / "events.ndjson")
    operations = {
        f"{m.upper()} {route}" for route, item in published["paths"].items() for m in item
    }
    assert not operations - tested, f"not tested: {sorted(operations - tested)}"
    assert not CHECKS - checked, f"never run: {sorted(CHECKS - checked)}"


def _tested(events: Path) -> tuple[set[str], set[str]]:
    """The operations Schemathesis sent requests to, and the checks it ran, from its events."""
    operations: set[str] = set()
    checks: set[str] = set()
    for line in events.read_text().splitlines():
        finished = json.loads(line).get("ScenarioFinished")
        if finished is None or not finished["recorder"].get("interactions"):
            continue  # a scenario skipped (no explicit examples) sends nothing
        operations.add(finished["recorder"]["label"])
        for results in finished["recorder"]["checks"].values():
            checks.update(result["name"] for result in results)
    return operations, checks


@pytest.fixture(scope="module")
def published(served: str, served_key: str) -> dict[str, Any]:
    request = urllib.request.Request(f"{served}/docs.json", headers={"X-API-Key": served_key})
    with LOOPBACK.open(request, timeout=30) as answer:
        return json.loads(answer.read())


def test_every_route_served_is_published_with_its_methods(published: dict[str, Any]) -> None:
    from bento.service import CreditScorer, web

    served: dict[str, set[str]] = {route: {"get"} for route in INFRA_PATHS}
    for api in CreditScorer.apis.values():
        served.setdefault(api.route, set()).add("post")
    for route, item in web.openapi()["paths"].items():
        served.setdefault(route, set()).update(item)
    assert {route: set(item) for route, item in published["paths"].items()} == served


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


def test_scoring_routes_publish_the_origin_header_and_its_refusal(
    published: dict[str, Any],
) -> None:
    for route in ("/predict", "/predict_batch", "/explain"):
        operation = published["paths"][route]["post"]
        [header] = operation["parameters"]
        assert (header["name"], header["in"]) == (ORIGIN_HEADER, "header")
        assert header["schema"]["enum"] == list(HEADER_ORIGINS)
        refused = operation["responses"]["400"]["content"]["application/json"]["schema"]
        assert refused["oneOf"][1]["items"] == {"$ref": "#/components/schemas/RefusedHeader"}


def test_what_if_changes_are_published_as_the_application_fields(
    published: dict[str, Any],
) -> None:
    schemas = published["components"]["schemas"]
    changes = schemas["WhatIfRequest"]["properties"]["changes"]
    assert changes["additionalProperties"] is False and changes["minProperties"] == 1
    assert set(changes["properties"]) == set(schemas["Application"]["properties"])
    assert not {"sk_id_curr", "features"} & set(changes["properties"])
