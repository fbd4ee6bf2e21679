"""The explainer's answers on the session's champion, through the service's API.

The champion, its service app, its Bento and the running ``bentoml serve`` come from
tests/serving/fixtures.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
from starlette.testclient import TestClient

from ui.client import ScorerApi
from ui.explainer import Explainer


@pytest.fixture(scope="session")
def api(service_app: Any) -> Iterator[ScorerApi]:
    """A client of the service's API, in this process (BentoML's ASGI app, started once)."""
    with TestClient(service_app) as http:
        # Starlette's TestClient is an httpx.Client that calls the app in this process.
        yield ScorerApi(cast(httpx.Client, http))


@pytest.fixture(scope="session")
def explainer(api: ScorerApi) -> Explainer:
    """What the page shows, computed from the service's API."""
    return Explainer(api)
