"""The explainer's functions through ``gradio_client``, against the session's ``bentoml serve``
of the packaged Bento (started with an API key, so the client signs in with it)."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pandas as pd
import pytest
from gradio_client import Client

from ui import fields

pytestmark = pytest.mark.slow

LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _client(url: str, key: str) -> Client:
    return Client(
        f"{url}/ui/",
        auth=("officer", key),
        analytics_enabled=False,
        download_files=False,
        verbose=False,
        httpx_kwargs={"trust_env": False, "timeout": 60},
    )


def _field(html: str, name: str) -> str:
    found = re.search(rf'data-field=["\']{name}["\']>([^<]+)<', html)
    assert found, f"no {name} in {html[-500:]}"
    return found.group(1)


def _predict(url: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/predict",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "x-api-key": key},
    )
    with LOOPBACK.open(request, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def ui(served: str, served_key: str) -> Client:
    return _client(served, served_key)


def test_the_page_lists_its_functions(ui: Client) -> None:
    api = ui.view_api(return_format="dict", print_info=False)
    assert isinstance(api, dict)
    endpoints = api["named_endpoints"]
    assert {"/lookup", "/compare", "/bivariate", "/what_if", "/score_new"} <= set(endpoints)


def test_a_client_looked_up_is_scored_as_the_api_scores_them(
    ui: Client, served: str, served_key: str, ids: list[int], features: pd.DataFrame
) -> None:
    status, score, why, reasons, distribution, bivariate, *rest = ui.predict(
        str(ids[0]), api_name="/lookup"
    )
    answer = _predict(served, served_key, {"sk_id_curr": ids[0]})
    assert _field(score, "probability") == f"{100 * answer['probability']:.1f} %"
    assert answer["decision"].capitalize() in _field(score, "decision")
    assert f"Client {ids[0]} loaded" in status
    assert len(reasons["data"]) == 10 and reasons["headers"][0] == "Reason"
    assert all("<img" in html for html in (why, distribution, bivariate))
    income = rest[0]  # the what-if form, filled with the client's application
    assert income == pytest.approx(float(features.loc[ids[0], "AMT_INCOME_TOTAL"]))


def test_a_what_if_in_the_same_session_changes_the_score(ui: Client, ids: list[int]) -> None:
    looked_up = ui.predict(str(ids[0]), api_name="/lookup")
    form = list(looked_up[6 : 6 + len(fields.NUMBERS) + len(fields.CHOICES)])
    form[[f.column for f in fields.NUMBERS].index("EXT_SOURCE_3")] = 0.01
    page = ui.predict(*form, api_name="/what_if")
    assert _field(page, "before-probability") == _field(looked_up[1], "probability")
    assert _field(page, "after-probability") != _field(page, "before-probability")
    assert "External score 3" in page


def test_an_unknown_client_gets_a_message(ui: Client) -> None:
    status, score, *_ = ui.predict("1", api_name="/lookup")
    assert "No client 1 is known to this model" in status and 'role="alert"' in status
    assert score == ""


def test_a_new_applicant_is_scored_as_the_api_scores_them(
    ui: Client, served: str, served_key: str
) -> None:
    values = fields.form_values(
        {"AMT_INCOME_TOTAL": 1.8e5, "AMT_CREDIT": 6e5, "AMT_ANNUITY": 3e4, "DAYS_BIRTH": -15000}
    )
    page = ui.predict(*values, "", api_name="/score_new")
    application = {k: v for k, v in fields.application_from(values).items() if v is not None}
    answer = _predict(served, served_key, {"application": application})
    assert _field(page, "probability") == f"{100 * answer['probability']:.1f} %"


def test_a_wrong_key_does_not_open_the_page(served: str) -> None:
    with pytest.raises(ValueError, match="Could not login"):
        _client(served, "not-the-key")
