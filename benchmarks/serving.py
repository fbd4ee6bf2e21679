"""Latency and throughput of the scoring service, and of a plain Flask app the seed's way.

Usage:
    python benchmarks/serving.py [--bento credit_scorer:latest | --url http://127.0.0.1:3917]
        [--requests 1000] [--duration 10] [--concurrency 16] [--rate 400] [--no-flask]
        [--workers 2] [--polars-threads 1] [--data DATA_DIR] [--json FILE]

Starts ``bentoml serve`` on the Bento (or targets a service already running on loopback), then a
Flask app serving the same champion the way the seed did (the artefact and the client table
loaded once, the client's row found with a boolean mask and scored per request, Flask's own
threaded server), and puts both under the same load: ``--requests`` sequential ``/predict`` calls
from one client (p50, p99), ``--concurrency`` clients for ``--duration`` seconds (p50, p99,
requests per second), the same clients sending ``--rate`` requests/s between them on a fixed
schedule (p50, p99 at that traffic), a batch of 1,000 ids (BentoML only), and the time from start
to ready.

``--workers 1,2`` serves the Bento once per worker count, side by side; ``--polars-threads 1,2``
once per size of each worker's Polars thread pool (``POLARS_MAX_THREADS``; the service sets 1
unless the environment says otherwise, Polars' own default is a thread per core). ``--data`` (the
``DATA_DIR`` of a ``make pipeline`` run, whose lake holds the raw tables) adds the new
applicants' phases, BentoML only: 100 requests/s of ``application_test`` clients sent as new
applications with their credit history (the rows the data holds for them), the same clients'
applications alone, and ``/explain`` of known ids at 50 requests/s while 300 requests/s of
``/predict`` run. Latencies count from each request's scheduled time (no coordinated omission).
Known ids come from the champion bundle in ``BENTOML_HOME``. Loopback only; every phase is
bounded in count and time, and the servers started here are stopped at the end. The load
generator runs here, in Python threads, on the same cores as the servers: the CPU seconds it
used are printed, with a yardstick of the machine's speed before and after the run
(``measure.yardstick_ms``): on this VM the same code runs up to 1.5 times slower in one half hour
than in another, and only the yardstick tells which kind of half hour a run fell in.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from measure import yardstick_ms

from credit_assets import settings
from credit_assets.serving import bundle
from credit_assets.serving.packaging import MODEL_NAME
from credit_assets.serving.store import ClientStore

LOOPBACK = "127.0.0.1"
READY_TIMEOUT = 120.0
REQUEST_TIMEOUT = 10.0
TARGETS = {"single_p50_ms": 5.0, "single_p99_ms": 25.0, "concurrent_rps": 400.0}
TARGETS |= {"paced_p50_ms": 5.0, "paced_p99_ms": 25.0, "paced_rps": 400.0}
TARGETS |= {"batch_1000_ms": 250.0, "ready_s": 10.0, "flat_out_rps": 1000.0}
TARGETS |= {"history_p50_ms": 10.0, "history_p99_ms": 50.0, "alone_p50_ms": 5.0}
TARGETS |= {"explain_p99_ms": 50.0}
NEW_APPLICANT_RATE = 100.0
EXPLAIN_RATE, EXPLAIN_BACKGROUND_RATE = 50.0, 300.0


class Client:
    """One keep-alive HTTP/1.1 connection to the server (reopened if the server closes it)."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(LOOPBACK, port, timeout=REQUEST_TIMEOUT)

    def post(self, path: str, body: dict[str, Any] | bytes) -> tuple[int, bytes]:
        """Status and body; status 0 when the call failed twice (refused, reset, timed out).
        A body given as bytes is sent as it is (JSON encoded once, before the clock runs)."""
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"content-type": "application/json"}
        if key := settings.api_key():
            headers["x-api-key"] = key
        for _ in range(2):
            try:
                self.connection.request("POST", path, payload, headers)
                answer = self.connection.getresponse()
                return answer.status, answer.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
        return 0, b""

    def get(self, path: str) -> int:
        try:
            self.connection.request("GET", path)
            answer = self.connection.getresponse()
            answer.read()
            return answer.status
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return 0


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = np.asarray(seconds) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def single_client(port: int, ids: list[int], count: int, limit: float = 60.0) -> dict[str, float]:
    """``count`` sequential /predict calls from one client (at most ``limit`` seconds)."""
    client, latencies, errors = Client(port), [], 0
    started = time.perf_counter()
    for sk_id in random.Random(1).choices(ids, k=count):
        if time.perf_counter() - started > limit:
            break
        start = time.perf_counter()
        status, _ = client.post("/predict", {"sk_id_curr": sk_id})
        latencies.append(time.perf_counter() - start)
        errors += status != 200
    p50, p99 = _percentiles(latencies)
    rps = len(latencies) / (time.perf_counter() - started)
    return {"single_p50_ms": p50, "single_p99_ms": p99, "single_rps": rps, "errors": errors}


Sample = tuple[float, bool]
"""One request: seconds to its answer, and whether it was answered 200."""


def concurrent_clients(
    port: int, ids: list[int], clients: int, duration: float, cap: int
) -> dict[str, float]:
    """``clients`` threads calling /predict back to back for ``duration`` s (``cap`` calls)."""
    stop = time.perf_counter() + duration
    budget = iter(range(cap))
    lock = threading.Lock()

    def work(index: int, samples: list[Sample]) -> None:
        client, draw = Client(port), random.Random(index)
        while time.perf_counter() < stop:
            with lock:
                if next(budget, None) is None:
                    return
            start = time.perf_counter()
            status, _ = client.post("/predict", {"sk_id_curr": draw.choice(ids)})
            samples.append((time.perf_counter() - start, status == 200))

    started = time.perf_counter()
    latencies, errors = _in_threads(clients, work, duration + 60)
    elapsed = time.perf_counter() - started
    p50, p99 = _percentiles(latencies)
    return {
        "concurrent_p50_ms": p50,
        "concurrent_p99_ms": p99,
        "concurrent_rps": len(latencies) / elapsed,
        "concurrent_requests": len(latencies),
        "errors": errors,
    }


def paced_clients(
    port: int,
    bodies: list[dict[str, Any]],
    clients: int,
    rate: float,
    duration: float,
    path: str = "/predict",
    name: str = "paced",
) -> dict[str, float]:
    """``clients`` threads sending ``rate`` requests/s between them, on a fixed schedule,
    each a random one of ``bodies`` to ``path``; figures named ``{name}_p50_ms`` and so on.

    Closed-loop clients (``concurrent_clients``) measure the most the server can do, where by
    Little's law latency is ``clients / throughput`` whatever the server; this phase measures the
    latency at a given traffic. Each latency counts from the request's scheduled time, so a
    server falling behind shows its queueing delay (no coordinated omission).
    """
    total = int(rate * duration)
    # Encoded once here: a new applicant's 40 KB of JSON encoded per request cost the load
    # generator, which shares the cores and the GIL of its 16 threads, about half a millisecond.
    payloads = [json.dumps(body).encode() for body in bodies]
    began = time.perf_counter() + 0.2

    def work(index: int, samples: list[Sample]) -> None:
        client, draw = Client(port), random.Random(100 + index)
        for n in range(index, total, clients):
            due = began + n / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            status, _ = client.post(path, draw.choice(payloads))
            samples.append((time.perf_counter() - due, status == 200))

    latencies, errors = _in_threads(clients, work, duration + 60)
    elapsed = time.perf_counter() - began
    p50, p99 = _percentiles(latencies)
    return {
        f"{name}_p50_ms": p50,
        f"{name}_p99_ms": p99,
        f"{name}_rps": len(latencies) / elapsed,
        "errors": errors,
    }


def explain_under_load(
    port: int, ids: list[int], clients: int, duration: float
) -> dict[str, float]:
    """``/explain`` of known ids at ``EXPLAIN_RATE`` while ``/predict`` runs at
    ``EXPLAIN_BACKGROUND_RATE`` requests/s, both paced; the explanations' figures."""
    known = [{"sk_id_curr": i} for i in ids]
    background: dict[str, float] = {}

    def predictions() -> None:
        background.update(
            paced_clients(port, known, clients, EXPLAIN_BACKGROUND_RATE, duration, name="bg")
        )

    thread = threading.Thread(target=predictions)
    thread.start()
    explained = paced_clients(
        port, known, max(clients // 4, 2), EXPLAIN_RATE, duration, "/explain", "explain"
    )
    thread.join(duration + 60)
    errors = explained.pop("errors") + background.get("errors", 0)
    return explained | {"explain_background_rps": background.get("bg_rps", 0.0), "errors": errors}


def _in_threads(
    clients: int, work: Callable[[int, list[Sample]], None], timeout: float
) -> tuple[list[float], int]:
    """Run ``work(index, samples)`` on ``clients`` threads at once; every latency, and the
    number of requests not answered 200."""
    samples: list[list[Sample]] = [[] for _ in range(clients)]
    threads = [threading.Thread(target=work, args=(i, samples[i])) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    flat = [sample for per_client in samples for sample in per_client]
    return [seconds for seconds, _ in flat], sum(not ok for _, ok in flat)


def batch(port: int, ids: list[int], size: int = 1000, repeats: int = 5) -> dict[str, float]:
    """Median time of a /predict_batch call with ``size`` known ids."""
    client, times = Client(port), []
    chosen = random.Random(2).choices(ids, k=size)
    for _ in range(repeats):
        start = time.perf_counter()
        status, _ = client.post("/predict_batch", {"sk_id_curr": chosen})
        if status != 200:
            raise RuntimeError(f"/predict_batch answered {status}")
        times.append(time.perf_counter() - start)
    return {"batch_1000_ms": float(np.median(times) * 1000)}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@contextmanager
def started(
    command: list[str], port: int, ready_path: str, extra: dict[str, str] | None = None
) -> Iterator[float]:
    """Run a server in its own process group, its output in a temporary file (a pipe nobody
    reads would fill up and stall it); yield the seconds it took to answer ``ready_path``."""
    env = {**os.environ, "BENTOML_DO_NOT_TRACK": "true", **(extra or {})}
    with tempfile.TemporaryFile("w+") as log, tempfile.TemporaryDirectory() as scratch:
        # The service logs every prediction: into a scratch file, not the real log.
        env.setdefault("CREDIT_PREDICTION_LOG", str(Path(scratch) / "predictions.sqlite"))
        start = time.perf_counter()
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            probe = Client(port)
            while probe.get(ready_path) != 200:
                if server.poll() is not None or time.perf_counter() - start > READY_TIMEOUT:
                    log.seek(0)
                    raise RuntimeError(f"{command} did not get ready:\n{log.read()[-3000:]}")
                time.sleep(0.05)
            yield time.perf_counter() - start
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


def measure(
    port: int,
    ids: list[int],
    args: argparse.Namespace,
    batches: bool,
    applicants: list[tuple[dict[str, Any], dict[str, Any]]] | None = None,
) -> dict[str, float]:
    """Warm up, then every phase against the server on ``port`` (the new applicants' phases
    when ``applicants``, pairs of a request with history and the same application alone)."""
    single_client(port, ids, 50)
    figures = single_client(port, ids, args.requests)
    errors = figures.pop("errors")
    load = concurrent_clients(port, ids, args.concurrency, args.duration, args.requests * 20)
    known = [{"sk_id_curr": i} for i in ids]
    paced = paced_clients(port, known, args.concurrency, args.rate, args.duration)
    errors += load["errors"] + paced.pop("errors")
    figures |= load | paced | {"flat_out_rps": load["concurrent_rps"]}
    if batches:
        figures |= batch(port, ids)
    if applicants:
        for name, bodies in (
            ("history", [with_history for with_history, _ in applicants]),
            ("alone", [alone for _, alone in applicants]),
        ):
            found = paced_clients(
                port, bodies, args.concurrency, NEW_APPLICANT_RATE, args.duration, name=name
            )
            errors += found.pop("errors")
            figures |= found
        explained = explain_under_load(port, ids, args.concurrency, args.duration)
        errors += explained.pop("errors")
        figures |= explained
    return figures | {"errors": errors}


def new_applicants(data: Path, count: int = 300, seed: int = 0) -> list[tuple[dict, dict]]:
    """``application_test`` clients of a pipeline's lake as new applicants: for each, a request
    with their credit history and one with their application alone."""
    import polars as pl

    from credit_assets.features.common import KEY
    from credit_assets.features.history import given, history_of
    from credit_assets.kaggle import SIDE_TABLES
    from credit_assets.serving.schemas import REQUIRED_FIELDS

    raw = {
        t: pl.read_parquet(data / "raw" / f"{t}.parquet")
        for t in ("application_test", *SIDE_TABLES)
    }
    test = raw["application_test"].drop_nulls(list(REQUIRED_FIELDS))
    chosen = test.sample(min(count, test.height), seed=seed)
    pairs = []
    for row in chosen.iter_rows(named=True):
        application = given(row)
        history = history_of(raw, row[KEY])
        pairs.append(
            ({"application": application, "history": history}, {"application": application})
        )
    return pairs


def flask_app(folder: Path) -> Any:
    """The seed's way: load once, find the row with a boolean mask, predict per request."""
    from flask import Flask, jsonify, request

    from credit_assets.models import ScoringModel

    model = ScoringModel.load(folder / bundle.MODEL_FILE)
    clients = ClientStore.read(bundle.clients_file(folder), model.feature_names).features
    clients = clients.reset_index()
    app = Flask("seed_api")

    @app.get("/ready")
    def ready() -> Any:
        return "ok"

    @app.post("/predict")
    def predict() -> Any:
        sk_id = request.get_json()["sk_id_curr"]
        row = pd.DataFrame(clients[clients["SK_ID_CURR"] == sk_id])
        if row.empty:
            return jsonify(error=f"unknown SK_ID_CURR {sk_id}"), 404
        probability = float(model.predict_proba(row.drop(columns="SK_ID_CURR"))[0])
        decision = str(model.decide([probability])[0])
        return jsonify(sk_id_curr=sk_id, probability=probability, decision=decision)

    return app


def champion_folder(tag: str) -> Path:
    """The bundle folder of a BentoML model in ``BENTOML_HOME``."""
    import bentoml

    return Path(bentoml.models.get(tag).path)


def _loopback_port(url: str) -> int:
    parts = urlsplit(url)
    if parts.hostname not in {"127.0.0.1", "localhost", "::1"} or parts.port is None:
        raise SystemExit(f"--url must be a loopback address with a port, not {url}")
    return parts.port


def _table(results: dict[str, dict[str, float]]) -> str:
    rows = [
        ("time to ready (s)", "ready_s"),
        ("1 client  p50 (ms)", "single_p50_ms"),
        ("1 client  p99 (ms)", "single_p99_ms"),
        ("1 client  req/s", "single_rps"),
        ("16 clients flat out p50 (ms)", "concurrent_p50_ms"),
        ("16 clients flat out p99 (ms)", "concurrent_p99_ms"),
        ("16 clients flat out req/s", "concurrent_rps"),
        ("16 clients at --rate p50 (ms)", "paced_p50_ms"),
        ("16 clients at --rate p99 (ms)", "paced_p99_ms"),
        ("16 clients at --rate req/s", "paced_rps"),
        ("batch of 1,000 ids (ms)", "batch_1000_ms"),
        ("new + history at 100/s p50 (ms)", "history_p50_ms"),
        ("new + history at 100/s p99 (ms)", "history_p99_ms"),
        ("new alone at 100/s p50 (ms)", "alone_p50_ms"),
        ("new alone at 100/s p99 (ms)", "alone_p99_ms"),
        ("explain at 50/s p99 (ms)", "explain_p99_ms"),
        ("  with /predict at (req/s)", "explain_background_rps"),
        ("errors", "errors"),
    ]
    names = list(results)
    lines = [f"{'':34}" + "".join(f"{n:>14}" for n in names) + f"{'target':>10}"]
    for label, key in rows:
        cells = [results[n].get(key) for n in names]
        line = f"{label:34}" + "".join(
            f"{c:>14.2f}" if c is not None else f"{'-':>14}" for c in cells
        )
        target = TARGETS.get(key)
        lines.append(line + (f"{target:>10g}" if target else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--bento", default="credit_scorer:latest")
    parser.add_argument("--url", help="a service already running on loopback")
    parser.add_argument("--model", default=f"{MODEL_NAME}:latest", help="bundle of the known ids")
    parser.add_argument("--requests", type=int, default=1000, help="sequential calls (<= 10,000)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds under load (<= 60)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=400.0, help="requests/s of the paced phase")
    parser.add_argument("--no-flask", action="store_true")
    parser.add_argument("--workers", default="2", help="scorer workers, e.g. 1,2 side by side")
    parser.add_argument(
        "--polars-threads", default="", help="each worker's Polars threads, e.g. 1,2 side by side"
    )
    parser.add_argument("--data", type=Path, help="a pipeline's DATA_DIR: new applicants' phases")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--serve-flask", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.requests, args.duration = min(args.requests, 10_000), min(args.duration, 60.0)

    if args.serve_flask:  # the Flask side, in its own process
        flask_app(args.serve_flask).run(host=LOOPBACK, port=args.port, threaded=True)
        return 0

    # A SIGTERM (an outer timeout) unwinds like an exception, so the servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    folder = champion_folder(args.model)
    ids = ClientStore.read(bundle.clients_file(folder), []).ids.tolist()
    applicants = new_applicants(args.data) if args.data else None
    results: dict[str, dict[str, float]] = {}
    yardstick = [yardstick_ms()]
    generator = time.process_time()
    if args.url:
        port = _loopback_port(args.url)
        results["BentoML"] = measure(port, ids, args, batches=True, applicants=applicants)
    pools = [int(t) for t in args.polars_threads.split(",")] if args.polars_threads else [0]
    for workers in [] if args.url else [int(w) for w in args.workers.split(",")]:
        for threads in pools:
            port = _free_port()
            bentoml_cli = [sys.executable, "-m", "bentoml", "serve", args.bento]
            command = [*bentoml_cli, "--host", LOOPBACK, "--port", str(port)]
            extra = {"BENTOML_CONFIG_OPTIONS": f"services.credit_scorer.workers={workers}"}
            name = f"BentoML x{workers}"
            if threads:
                extra["POLARS_MAX_THREADS"] = str(threads)
                name += f" pl{threads}"
            with started(command, port, "/readyz", extra) as ready:
                figures = measure(port, ids, args, batches=True, applicants=applicants)
                results[name] = {"ready_s": ready, **figures}
    if not args.no_flask:
        port = _free_port()
        command = [sys.executable, __file__, "--serve-flask", str(folder), "--port", str(port)]
        with started(command, port, "/ready") as ready:
            results["Flask (seed)"] = {"ready_s": ready, **measure(port, ids, args, batches=False)}

    load, spent = os.getloadavg()[0], time.process_time() - generator
    yardstick.append(yardstick_ms())
    print(f"{len(ids)} known clients, {os.cpu_count()} cores, load average {load:.1f} at the end")
    print(f"the load generator (this process) used {spent:.1f} CPU seconds")
    print(
        "machine yardstick (benchmarks/measure.py, lower is a faster machine): "
        f"{yardstick[0]:.3f} ms before the servers started, {yardstick[1]:.3f} ms at the end"
    )
    print(_table(results))
    if "Flask (seed)" in results:
        ours, seed = next(iter(results.values())), results["Flask (seed)"]
        print(
            f"BentoML / Flask: {ours['concurrent_rps'] / seed['concurrent_rps']:.2f}x the"
            f" requests/s at {args.concurrency} clients, p50 {ours['single_p50_ms']:.2f} vs"
            f" {seed['single_p50_ms']:.2f} ms for one client"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
