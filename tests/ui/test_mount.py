"""The explainer inside the service (BentoML's ASGI app in this process): mounted at /ui on the
service's own scorer, open like the API without a key, behind its sign-in with one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.routing import Mount
from starlette.testclient import TestClient

pytestmark = pytest.mark.slow

KEY = "ui-s3cret"


def _service(app: Any, monkeypatch: pytest.MonkeyPatch, key: str | None) -> TestClient:
    """A client whose lifespan starts a new service instance (the page is built in its
    __init__), with ``key`` set or not as it starts."""
    if key is None:
        monkeypatch.delenv("CREDIT_API_KEY", raising=False)
    else:
        monkeypatch.setenv("CREDIT_API_KEY", key)
    return TestClient(app)


@pytest.fixture
def open_service(service_app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with _service(service_app, monkeypatch, None) as client:
        yield client


@pytest.fixture
def keyed_service(service_app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with _service(service_app, monkeypatch, KEY) as client:
        yield client


def test_the_page_is_served_at_ui_on_the_services_scorer(open_service: TestClient) -> None:
    from bento.service import web

    page = open_service.get("/ui/")
    assert page.status_code == 200 and "<html" in page.text
    assert open_service.get("/ui", follow_redirects=False).status_code in {301, 307, 308}
    config = open_service.get("/ui/config").json()
    labels = {c.get("props", {}).get("label") for c in config["components"]}
    assert {"Client number (SK_ID_CURR)", "Feature to compare", "Annual income"} <= labels
    assert config["analytics_enabled"] is False
    assert [r.path for r in web.routes if isinstance(r, Mount)] == ["/ui"]
    assert open_service.get("/model_info").status_code == 200  # the API's own page beside it


def test_a_new_service_instance_replaces_the_page(
    service_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bento.service import web

    for _ in range(2):
        with _service(service_app, monkeypatch, None) as client:
            assert client.get("/ui/config").status_code == 200
    assert [r.path for r in web.routes if isinstance(r, Mount)] == ["/ui"]


def test_with_a_key_the_page_asks_for_it(keyed_service: TestClient) -> None:
    assert keyed_service.get("/ui/").status_code == 200  # the sign-in form
    assert keyed_service.get("/ui/config").status_code == 401
    wrong = keyed_service.post("/ui/login/", data={"username": "officer", "password": "nope"})
    assert wrong.status_code == 400
    right = keyed_service.post("/ui/login/", data={"username": "officer", "password": KEY})
    assert right.status_code == 200
    assert keyed_service.get("/ui/config").status_code == 200


def test_the_key_still_guards_the_api_and_other_paths(keyed_service: TestClient) -> None:
    assert keyed_service.post("/predict", json={"sk_id_curr": 1}).status_code == 401
    assert keyed_service.get("/uix").status_code == 401
    assert keyed_service.get("/model_info").status_code == 401
