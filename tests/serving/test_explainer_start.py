"""The explainer service's start: it waits for the API, but never past a request to stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from bento.explainer import stop_requested, wait_until
from credit_assets import settings

# A worker whose server only flags a stop (as uvicorn does while a service starts), waiting
# for an API that never answers.
WAITING = """
import signal, sys
flagged = []
signal.signal(signal.SIGTERM, lambda signum, frame: flagged.append(signum))
from bento.explainer import stop_requested, wait_until
with stop_requested() as stop:
    print("waiting", flush=True)
    answered = wait_until(lambda: False, stop, 600)
print(f"answered={answered} server_flagged={flagged}", flush=True)
"""


def test_a_stop_during_the_wait_for_the_api_ends_it_and_reaches_the_server() -> None:
    worker = subprocess.Popen(
        [sys.executable, "-c", WAITING],
        cwd=settings.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "waiting"
    start = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    out, _ = worker.communicate(timeout=30)
    assert time.monotonic() - start < 5
    assert out.strip() == f"answered=False server_flagged=[{int(signal.SIGTERM)}]"
    assert worker.returncode == 0


def test_the_handlers_are_the_servers_again_after_the_wait() -> None:
    seen: list[int] = []

    def server(signum: int, frame: object) -> None:
        seen.append(signum)

    before = signal.signal(signal.SIGTERM, server)
    try:
        with stop_requested() as stop:
            assert signal.getsignal(signal.SIGTERM) is not server
            os.kill(os.getpid(), signal.SIGTERM)
            assert stop.wait(5)
        assert signal.getsignal(signal.SIGTERM) is server
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, before)


def test_the_wait_ends_when_the_api_answers_or_at_its_deadline() -> None:
    calls = iter([False, False, True])
    assert wait_until(lambda: next(calls), threading.Event(), 30)
    start = time.monotonic()
    assert not wait_until(lambda: False, threading.Event(), 0.3)
    assert 0.3 <= time.monotonic() - start < 3
