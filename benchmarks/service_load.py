"""Load and worker faults against the scoring service on loopback, and the prediction log.

Usage::

    python benchmarks/service_load.py [--data DIR] [--rate 200] [--seconds 60]
                                      [--kill-worker-at SECONDS] [--connections 64] [--timeout 10]

Packages the champion of a pipeline data folder (``--data``, default ``CREDIT_DATA_DIR``: the
output of ``make run``) into a throw-away BentoML home, starts ``bentoml serve`` on a free
loopback port with its own prediction log, then sends ``/predict`` requests open-loop at a fixed
rate (half known ``application_test`` ids, half new applications from their raw fields), and
prints: requests sent, answered, errors by kind, achieved rate, latency percentiles, and
logged entries against successful answers. With ``--kill-worker-at`` the service's worker
process is SIGKILLed at that second: it also prints how long the service answered nothing and
how many requests failed meanwhile. Exit status 1 if a promise fails (without a kill: any
error; in all cases: a successful answer missing from the log).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import polars as pl
import psutil

from credit_assets import settings
from credit_assets.serving.schemas import REQUIRED_FIELDS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = (
    "import sys; from pathlib import Path;"
    " from credit_assets.serving.packaging import save_model;"
    " print(save_model(Path(sys.argv[1]), Path(sys.argv[2]), {})[0])"
)


@dataclass
class Results:
    """What came back: (seconds since start, status or error name, latency ms) per request."""

    answers: list[tuple[float, str, float]] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_service(data: Path, work: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Package the champion of ``data`` and serve it; return the server, its URL, its log."""
    env = os.environ | {
        "BENTOML_HOME": str(work / "bentoml"),
        "BENTOML_DO_NOT_TRACK": "true",
        "CREDIT_PREDICTION_LOG": str(work / "predictions.sqlite"),
    }
    env.pop("CREDIT_API_KEY", None)
    champion = data / "models" / "champion" / "scoring_model.joblib"
    features = data / "features" / "client_features.parquet"
    subprocess.run(
        [sys.executable, "-c", PACKAGE, str(champion), str(features)], env=env, check=True
    )
    port = free_port()
    bentoml = str(Path(sys.executable).with_name("bentoml"))
    command = [bentoml, "serve", "bento.service:CreditScorer", "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=(work / "serve.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while not ready(url):
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the service did not start; see {work / 'serve.log'}")
        time.sleep(1)
    return server, url, work / "predictions.sqlite"


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def bodies(data: Path, count: int, seed: int = 0) -> list[dict[str, Any]]:
    """Request bodies: alternately a known test client's id and a test client's raw fields.

    Applications come from test clients that give every field the API requires (a few test
    rows lack AMT_ANNUITY: the service answers those 400 by contract, as the bad-input corpus
    checks); known ids come from all test clients.
    """
    test = pl.read_parquet(data / "raw" / "application_test.parquet")
    rng = np.random.default_rng(seed)
    rows = test.sample(min(count, test.height), seed=seed).to_dicts()
    complete = [r for r in rows if all(r[f] is not None for f in REQUIRED_FIELDS)]
    out = []
    for i in range(count):
        row = rows[int(rng.integers(len(rows)))]
        if not i % 2:
            row = complete[int(rng.integers(len(complete)))]
        if i % 2:
            out.append({"sk_id_curr": row["SK_ID_CURR"]})
        else:
            fields = {k: v for k, v in row.items() if v is not None and k != "SK_ID_CURR"}
            out.append({"application": fields})
    return out


async def send(client: httpx.AsyncClient, body: dict[str, Any], start: float, out: Results) -> None:
    sent = time.perf_counter()
    try:
        answer = await client.post("/predict", json=body)
        outcome = str(answer.status_code)
    except httpx.HTTPError as error:
        outcome = type(error).__name__
    out.answers.append((sent - start, outcome, (time.perf_counter() - sent) * 1000))


async def load(
    url: str,
    payloads: list[dict[str, Any]],
    rate: float,
    kill: WorkerKiller,
    timeout: float,
    connections: int,
) -> Results:
    """Send payload ``i`` at ``i / rate`` seconds over ``connections`` keep-alive connections;
    a request falls behind its slot only when every connection is busy (the service is then
    slower than the rate, and the achieved rate says so). Calls ``kill`` before each send."""
    out = Results()
    slots = iter(enumerate(payloads))
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        start = time.perf_counter()

        async def connection() -> None:
            for i, body in slots:  # one iterator shared by all connections: each slot once
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                kill(time.perf_counter() - start)
                await send(client, body, start, out)

        await asyncio.gather(*(connection() for _ in range(connections)))
    return out


class WorkerKiller:
    """Called with the seconds elapsed; SIGKILLs one of the service's worker processes once
    ``at`` has passed, and remembers when (``None`` for no kill) and how many workers there were.
    """

    def __init__(self, server: subprocess.Popen[bytes], at: float | None) -> None:
        self.server, self.at = server, at
        self.when: float | None = None
        self.workers = 0

    def __call__(self, elapsed: float) -> None:
        if self.at is None or self.when is not None or elapsed < self.at:
            return
        workers = self.alive()
        workers[0].send_signal(signal.SIGKILL)
        self.when, self.workers = elapsed, len(workers)

    def alive(self) -> list[psutil.Process]:
        """The service's worker processes running now."""
        children = psutil.Process(self.server.pid).children()
        return [p for p in children if "worker" in " ".join(p.cmdline()) and p.is_running()]


def logged(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM predictions").fetchone()[0])


def report(
    out: Results, rate: float, seconds: float, log_path: Path, killed_at: float | None
) -> bool:
    outcomes = Counter(o for _, o, _ in out.answers)
    ok = [lat for _, o, lat in out.answers if o == "200"]
    span = max(t for t, _, _ in out.answers) or 1.0
    print(f"requests sent: {len(out.answers)} at a target {rate:g}/s for {seconds:g} s")
    print(f"achieved rate: {len(out.answers) / span:.1f}/s over {span:.1f} s")
    print(f"answers: {dict(sorted(outcomes.items()))}")
    if ok:
        p50, p95, p99 = np.percentile(ok, [50, 95, 99])
        print(
            f"latency of 200s (ms): p50 {p50:.1f}, p95 {p95:.1f}, p99 {p99:.1f}, max {max(ok):.1f}"
        )
    entries = logged(log_path)
    print(f"prediction log entries: {entries} for {len(ok)} successful answers")
    if killed_at is None:
        held = entries == len(ok) == len(out.answers)
    else:
        failed = sorted(t for t, o, _ in out.answers if o != "200")
        after = [t for t, o, _ in out.answers if o == "200" and t > killed_at]
        gap = (min(after) - killed_at) if after else float("inf")
        print(f"worker SIGKILLed at {killed_at:.1f} s; failed requests: {len(failed)}")
        print(f"first successful answer {gap:.1f} s after the kill (sent after it)")
        # A worker killed after logging but before answering leaves an entry without an answer.
        print(f"entries whose answer was lost with the worker: {entries - len(ok)}")
        held = entries >= len(ok) and bool(after)
    print(f"all promises held: {held}")
    return held


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=settings.data_dir())
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--kill-worker-at", type=float, default=None)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="service-load-") as folder:
        work = Path(folder)
        server, url, log_path = start_service(args.data, work)
        try:
            payloads = bodies(args.data, int(args.rate * args.seconds))
            killer = WorkerKiller(server, args.kill_worker_at)
            out = asyncio.run(
                load(url, payloads, args.rate, killer, args.timeout, args.connections)
            )
            if killer.when is not None:
                alive = len(killer.alive())
                print(f"worker processes: {killer.workers}, one killed; {alive} alive at the end")
            return 0 if report(out, args.rate, args.seconds, log_path, killer.when) else 1
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
