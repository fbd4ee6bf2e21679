"""The explainer page mounted on a FastAPI app over the API (as the explainer service mounts
it): open like the API without a key, behind its sign-in with one. And the scoring service's
/ui, which forwards to the explainer service, in this process where there is none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.routing import Mount
from starlette.testclient import TestClient

from ui.client import ScorerApi
from ui.mount import mount_explainer

pytestmark = pytest.mark.slow

KEY = "ui-s3cret"


def _page(api: ScorerApi, monkeypatch: pytest.MonkeyPatch, key: str | None) -> TestClient:
    """A client of a new app with the page mounted while ``key`` is set (or not)."""
    if key is None:
        monkeypatch.delenv("CREDIT_API_KEY", raising=False)
    else:
        monkeypatch.setenv("CREDIT_API_KEY", key)
    app = FastAPI()
    mount_explainer(app, ScorerApi(api.http, key))  # the page calls the API with the key
    return TestClient(app)


@pytest.fixture
def open_page(api: ScorerApi, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with _page(api, monkeypatch, None) as client:
        yield client


@pytest.fixture
def keyed_page(api: ScorerApi, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with _page(api, monkeypatch, KEY) as client:
        yield client


def test_the_page_is_served_at_ui(open_page: TestClient) -> None:
    page = open_page.get("/ui/")
    assert page.status_code == 200 and "<html" in page.text
    assert open_page.get("/ui", follow_redirects=False).status_code in {301, 307, 308}
    config = open_page.get("/ui/config").json()
    labels = {c.get("props", {}).get("label") for c in config["components"]}
    assert {"Client number (SK_ID_CURR)", "Feature to compare", "Annual income"} <= labels
    (report,) = [
        c["props"]
        for c in config["components"]
        if c["props"].get("label") == ("Validation report (HTML)")
    ]
    download = open_page.get(f"/ui/gradio_api/file={report['value']['path']}")
    assert download.status_code == 200 and "<h1>Validation of" in download.text
    assert config["analytics_enabled"] is False


def test_mounting_again_replaces_the_page(api: ScorerApi) -> None:
    app = FastAPI()
    for _ in range(2):
        mount_explainer(app, api)
    assert [r.path for r in app.routes if isinstance(r, Mount)] == ["/ui"]


def test_with_a_key_the_page_asks_for_it(keyed_page: TestClient) -> None:
    assert keyed_page.get("/ui/").status_code == 200  # the sign-in form
    assert keyed_page.get("/ui/config").status_code == 401
    wrong = keyed_page.post("/ui/login/", data={"username": "officer", "password": "nope"})
    assert wrong.status_code == 400
    right = keyed_page.post("/ui/login/", data={"username": "officer", "password": KEY})
    assert right.status_code == 200
    config = keyed_page.get("/ui/config")
    assert config.status_code == 200
    (report,) = [
        c["props"]
        for c in config.json()["components"]
        if c["props"].get("label") == ("Validation report (HTML)")
    ]
    download = f"/ui/gradio_api/file={report['value']['path']}"
    assert keyed_page.get(download).status_code == 200
    keyed_page.cookies.clear()  # the report is behind the page's sign-in too
    assert keyed_page.get(download).status_code == 401


def test_without_the_explainer_service_ui_says_so_and_the_api_answers(
    api: ScorerApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The session's service instance (a second one on the same app would replace it); the
    # guard reads the key at each request.
    monkeypatch.setenv("CREDIT_API_KEY", KEY)
    client = api.http
    answer = client.get("/ui/")
    assert answer.status_code == 503 and "explainer" in answer.json()["error"]
    assert client.post("/predict", json={"sk_id_curr": 1}).status_code == 401
    assert client.get("/uix").status_code == 401
    assert client.get("/model_info").status_code == 401
    assert client.get("/features", headers={"X-API-Key": KEY}).status_code == 200
