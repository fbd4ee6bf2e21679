"""What a request costs when it finds the service idle: the same requests back to back and apart.

Usage:
    python benchmarks/idle_gaps.py DATA_DIR URL [--gaps 0,10,50] [--count 300]

Against a running service (``bentoml serve`` on a loopback port), one client sends known ids,
new applications alone and new applications with their credit history (``application_test``
clients of the pipeline's ``DATA_DIR``, the bodies ``benchmarks/serving.py`` sends), one request
at a time, waiting each gap (milliseconds) between an answer and the next request; it prints
each kind's p50 by gap. On a virtual machine whose idle CPUs halt, a request that finds the
worker idle takes longer than one that follows another: the paced phases of
``benchmarks/serving.py`` (100 new applicants a second over two workers) pay this on every
request, the flat-out phase never.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from serving import Client, _loopback_port, new_applicants

WARM_UP = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("url")
    parser.add_argument("--gaps", default="0,10,50", help="milliseconds between requests")
    parser.add_argument("--count", type=int, default=300, help="requests of each kind per gap")
    args = parser.parse_args()
    client = Client(_loopback_port(args.url))
    pairs = new_applicants(args.data, count=args.count)
    kinds = {
        "history": [h for h, _ in pairs],
        "alone": [a for _, a in pairs],
        "known id": [{"sk_id_curr": a["application"]["SK_ID_CURR"]} for _, a in pairs],
    }
    payloads = {kind: [json.dumps(b).encode() for b in bodies] for kind, bodies in kinds.items()}
    for gap in [float(g) / 1000 for g in args.gaps.split(",")]:
        found = []
        for kind, sent in payloads.items():
            for body in sent[:WARM_UP]:
                client.post("/predict", body)
            latencies = []
            for body in sent:
                time.sleep(gap)
                start = time.perf_counter()
                status, _ = client.post("/predict", body)
                latencies.append((time.perf_counter() - start) * 1000)
                if status != 200:
                    raise SystemExit(f"{kind}: the service answered {status}")
            found.append(f"{kind} {statistics.median(latencies):.2f}")
        print(f"gap {gap * 1000:.0f} ms, p50 (ms): " + ", ".join(found), flush=True)


if __name__ == "__main__":
    main()
