"""How long ``bentoml serve`` takes to stop when asked while its explainer page is being built.

Usage:
    python benchmarks/shutdown.py [--wait 3] [--limit 90]

Serves the service from this checkout (``bentoml serve bento.service:CreditScorer``, the
champion of ``BENTOML_HOME``) twice, each time with the explainer given an API it cannot build
its page from (``CREDIT_API_URL``): an address nobody listens on (the page waits for the API),
then a stand-in that accepts connections and never answers (the page is blocked reading). Once
``/readyz`` answers and ``--wait`` seconds more have passed, it sends SIGTERM to the server's
process group, as Ctrl-C or a supervisor would, and prints the seconds until every process of
the group has ended (or that some still ran after ``--limit`` seconds; they are then killed).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def silent_api() -> tuple[str, socket.socket]:
    """An address that accepts connections and never answers, with its listening socket."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:  # closed
                return

    threading.Thread(target=accept, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", listener


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def seconds_to_stop(api: str, wait: float, limit: float) -> str:
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        env = os.environ | {
            "CREDIT_API_URL": api,
            "CREDIT_PREDICTION_LOG": str(Path(scratch) / "predictions.sqlite"),
        }
        command = [str(Path(sys.executable).with_name("bentoml")), "serve"]
        command += ["bento.service:CreditScorer", "--host", "127.0.0.1", "--port", str(port)]
        with (Path(scratch) / "serve.log").open("w") as log:
            server = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            os.killpg(server.pid, signal.SIGKILL)
            return "never ready"
        time.sleep(wait)
        start = time.monotonic()
        os.killpg(server.pid, signal.SIGTERM)
        while group_alive(server.pid) and time.monotonic() - start < limit:
            server.poll()  # reap the leader, so the group can end
            time.sleep(0.1)
        if group_alive(server.pid):
            os.killpg(server.pid, signal.SIGKILL)
            return f"still running after {limit:g} s"
        return f"stopped after {time.monotonic() - start:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--wait", type=float, default=3.0, help="seconds after /readyz")
    parser.add_argument("--limit", type=float, default=90.0)
    args = parser.parse_args()
    print(f"nobody listening: {seconds_to_stop('http://127.0.0.1:9', args.wait, args.limit)}")
    url, listener = silent_api()
    try:
        print(f"accepts, never answers: {seconds_to_stop(url, args.wait, args.limit)}")
    finally:
        listener.close()


if __name__ == "__main__":
    main()
