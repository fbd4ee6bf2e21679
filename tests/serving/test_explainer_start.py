"""The explainer service's start: it waits for the API, but never past a request to stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from bento.explainer import StopRequested, stop_requested
from credit_assets import settings

# A worker whose server only flags a stop (as uvicorn does while a service starts), building
# the page: waiting for an API that never answers, or blocked reading an answer that never
# comes (an API that accepted the connection and is stopping).
BUILDING = """
import signal, socket, sys
flagged = []
signal.signal(signal.SIGTERM, lambda signum, frame: flagged.append(signum))
from bento.explainer import StopRequested, stop_requested
from credit_assets.launcher.ready import Endpoint, wait_until_ready
listener = socket.create_server(("127.0.0.1", 0))
try:
    with stop_requested():
        if sys.argv[1] == "wait":
            print("building", flush=True)
            api = Endpoint("api", "http://api", "http://api/livez")
            wait_until_ready([api], 600, 0.2, lambda _: False)
        else:
            connection = socket.create_connection(listener.getsockname())
            print("building", flush=True)
            connection.recv(1)
    print("not stopped", flush=True)
except StopRequested as stop:
    print(f"stopped by {stop}, server flagged {flagged}", flush=True)
"""


@pytest.mark.parametrize("blocked_in", ["wait", "read"])
def test_a_stop_while_the_page_is_built_ends_the_build_and_reaches_the_server(
    blocked_in: str,
) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-c", BUILDING, blocked_in],
        cwd=settings.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "building"
    time.sleep(0.3)  # into the wait or the read
    start = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    out, _ = worker.communicate(timeout=30)
    assert time.monotonic() - start < 5
    assert out.strip() == f"stopped by SIGTERM, server flagged [{int(signal.SIGTERM)}]"
    assert worker.returncode == 0


def test_the_handlers_are_the_servers_again_after_the_build() -> None:
    seen: list[int] = []

    def server(signum: int, frame: object) -> None:
        seen.append(signum)

    before = signal.signal(signal.SIGTERM, server)
    try:
        with pytest.raises(StopRequested), stop_requested():
            assert signal.getsignal(signal.SIGTERM) is not server
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # interrupted
        assert signal.getsignal(signal.SIGTERM) is server
        assert seen == [signal.SIGTERM]
        with stop_requested():
            pass
        assert signal.getsignal(signal.SIGTERM) is server
    finally:
        signal.signal(signal.SIGTERM, before)
