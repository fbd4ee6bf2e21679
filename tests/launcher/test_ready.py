"""The address block: printed once every part answers, naming any part that does not."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from credit_assets.launcher.ready import address_block, answers, endpoints, wait_until_ready


def test_every_part_has_an_address_on_its_port() -> None:
    points = {p.name: p for p in endpoints(3917, 3000, 5000)}
    assert points["scoring service"].probe == "http://127.0.0.1:3917/readyz"
    assert points["explainer"].url == "http://127.0.0.1:3917/ui"
    assert points["Dagster"].url == "http://127.0.0.1:3000"
    assert points["MLflow"].probe == "http://127.0.0.1:5000/health"


def test_the_block_waits_for_every_part_and_names_the_missing_one() -> None:
    points = endpoints(1, 2, 3)
    calls: dict[str, int] = {}

    def probe(url: str) -> bool:  # the service answers on its third poll, MLflow never
        calls[url] = calls.get(url, 0) + 1
        return ":3/" not in url and (":1/" not in url or calls[url] >= 3)

    ready = wait_until_ready(points, timeout=0.5, interval=0.01, probe=probe)
    assert ready["MLflow"] is None
    assert all(ready[p.name] is not None for p in points if p.name != "MLflow")
    block = address_block(points, ready)
    assert block.splitlines()[0] == "credit-scoring: some parts do not answer yet:"
    assert "http://127.0.0.1:3  " in block and "NOT ANSWERING" in block


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None: ...


@pytest.fixture
def server() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_answers_means_a_success_status(server: str) -> None:
    assert answers(f"{server}/health")
    assert not answers(f"{server}/starting")
    assert not answers("http://127.0.0.1:9/")


def test_wait_for_returns_once_the_url_answers_and_fails_when_it_never_does(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from credit_assets.cli import main

    assert main(["wait-for", f"{server}/health", "--timeout", "5"]) == 0
    assert main(["wait-for", f"{server}/starting", "--timeout", "0.3"]) == 1
    assert f"{server}/starting did not answer within 0.3 s" in capsys.readouterr().err
