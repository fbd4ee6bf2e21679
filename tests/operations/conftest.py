"""A real ``bentoml serve`` of the scoring service on loopback, with its own prediction log.

BentoML fixes its home folder once per process, and the serving tests pick their own; so the
model is packaged and served in subprocesses here, and this process only speaks HTTP.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_service import PACKAGE, READY_SECONDS, Service, dummy_champion, free_port, ready

from credit_assets import settings


@pytest.fixture(scope="module")
def service(tiny_synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("service")
    champion, features, ids = dummy_champion(tiny_synthetic, folder)
    env = os.environ | {
        "BENTOML_HOME": str(folder / "bentoml"),
        "BENTOML_DO_NOT_TRACK": "true",
        "CREDIT_PREDICTION_LOG": str(folder / "predictions.sqlite"),
    }
    env.pop("CREDIT_API_KEY", None)
    subprocess.run(
        [sys.executable, "-c", PACKAGE, str(champion), str(features)], env=env, check=True
    )
    port = free_port()
    bentoml = str(Path(sys.executable).with_name("bentoml"))
    command = [bentoml, "serve", "bento.service:CreditScorer", "--host", "127.0.0.1"]
    with (folder / "serve.log").open("w") as out:
        server = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=settings.PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not ready(url):
            if server.poll() is not None or time.monotonic() > deadline:
                log = (folder / "serve.log").read_text()[-3000:]
                pytest.fail(f"bentoml serve did not become ready:\n{log}")
            time.sleep(1)
        yield Service(url, folder / "predictions.sqlite", ids)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)
