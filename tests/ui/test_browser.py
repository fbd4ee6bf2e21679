"""A credit officer's visit in headless Chromium, against the session's ``bentoml serve`` of the
packaged Bento: sign in with the service's key, look a client up from the keyboard, read the
score and decision, change a field, see the new score, try an unknown number; read a refused
client's reason codes and open the validation report from the Model tab. Screenshots of each
step are kept in the test's folder.

Uses Debian's ``chromium`` (never a browser download); the CI script installs it.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))
WAIT_MS = 30_000
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !e.getAttribute('aria-labelledby'))
  .map(e => e.outerHTML.slice(0, 120))"""
IMAGES_WITHOUT_TEXT = """() => [...document.querySelectorAll('img')]
  .filter(e => e.offsetParent !== null)
  .filter(e => !e.alt || (e.closest('.explainer-figure') && e.alt.length < 40))
  .map(e => (e.alt || '(no alt)') + ' ' + e.src.slice(0, 60))"""
"""Every image has a text alternative; the explainer's figures one that says what they show."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed: apt-get install -y chromium (.ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


def _sign_in(page: Any, url: str, key: str) -> Any:
    """Open the explainer and sign in; the client-number field of the signed-in page. /ui
    answers 503 until the explainer service has reached the API: the page is reloaded until
    it answers."""
    deadline = time.monotonic() + WAIT_MS / 1000
    answer = page.goto(f"{url}/ui/")
    while (answer is None or answer.status != 200) and time.monotonic() < deadline:
        time.sleep(1)
        answer = page.goto(f"{url}/ui/")
    page.get_by_label("username").fill("officer")
    page.get_by_label("password").fill(key)
    page.get_by_role("button", name="Login").click()
    client_number = page.get_by_label("Client number (SK_ID_CURR)")
    client_number.wait_for(timeout=WAIT_MS)
    return client_number


def _predict(url: str, key: str, sk_id: int) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/predict",
        data=json.dumps({"sk_id_curr": sk_id}).encode(),
        headers={"content-type": "application/json", "x-api-key": key},
    )
    with LOOPBACK.open(request, timeout=30) as answer:
        return json.loads(answer.read())


def test_an_officer_explains_a_client(
    browser: Any, served: str, served_key: str, ids: list[int], tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    started = time.perf_counter()
    client_number = _sign_in(page, served, served_key)
    loaded = time.perf_counter() - started
    page.screenshot(path=tmp_path / "1-signed-in.png", full_page=True)
    assert page.get_by_text("Demonstration model.").is_visible()  # trained on synthetic data

    # From the keyboard: type the number, Tab to the button, Enter.
    sk_id = ids[0]
    client_number.click()
    page.keyboard.type(str(sk_id))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Look up the client"
    page.keyboard.press("Enter")
    probability = page.locator("#score [data-field=probability]")
    probability.wait_for(timeout=WAIT_MS)
    decision = page.locator("#score [data-field=decision]").inner_text()
    page.screenshot(path=tmp_path / "2-client.png", full_page=True)
    answer = _predict(served, served_key, sk_id)
    assert probability.inner_text() == f"{100 * answer['probability']:.1f} %"
    assert decision.endswith(answer["decision"].capitalize())
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate(IMAGES_WITHOUT_TEXT) == []

    page.get_by_role("tab", name="What if").click()
    page.get_by_label("External score 3").fill("0.01")
    page.get_by_role("button", name="Score the changes").click()
    after = page.locator("#what-if-result [data-field=after-probability]")
    after.wait_for(timeout=WAIT_MS)
    page.screenshot(path=tmp_path / "3-what-if.png", full_page=True)
    before = page.locator("#what-if-result [data-field=before-probability]").inner_text()
    assert before == probability.inner_text() and after.inner_text() != before

    client_number.fill("1")
    page.get_by_role("button", name="Look up the client").click()
    alert = page.locator("#status [role=alert]")
    alert.wait_for(timeout=WAIT_MS)
    page.screenshot(path=tmp_path / "4-unknown.png", full_page=True)
    assert "No client 1 is known to this model" in alert.inner_text()
    elsewhere = [u for u in requested if not u.startswith((served, "data:", "blob:"))]
    assert elsewhere == [], "the page fetched something from outside the service"
    assert loaded < 20, f"the page took {loaded:.1f} s to sign in and load"
    print(f"/ui sign-in and load: {loaded:.2f} s; screenshots in {tmp_path}")


def test_an_officer_reads_a_refused_clients_reason_codes(
    browser: Any, served: str, served_key: str, ids: list[int]
) -> None:
    answers = (_predict(served, served_key, i) for i in ids)
    refused = next(a for a in answers if a["decision"] == "refused")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    client_number = _sign_in(page, served, served_key)
    client_number.fill(str(refused["sk_id_curr"]))
    page.get_by_role("button", name="Look up the client").click()
    page.locator("#score [data-field=decision]").wait_for(timeout=WAIT_MS)
    page.get_by_role("tab", name="Why").click()
    items = page.locator("#why .reason-codes li")
    items.first.wait_for(timeout=WAIT_MS)
    shown = [(i.get_attribute("data-code"), i.inner_text()) for i in items.all()]
    expected = [(r["code"], f"{r['code']} {r['text']}") for r in refused["reason_codes"]]
    assert shown == expected and 1 <= len(shown) <= 4

    # The Model tab offers the champion's validation report, through the page's sign-in.
    page.get_by_role("tab", name="Model").click()
    link = page.locator("#validation-report a[download]").first
    link.wait_for(timeout=WAIT_MS)
    report = page.request.get(link.evaluate("a => a.href"))
    assert report.ok and "<h1>Validation of" in report.text()
