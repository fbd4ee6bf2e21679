"""Two running services compared under the same new-applicant traffic, loaded in turn.

Usage:
    python benchmarks/paired_serving.py DATA_DIR URL_A URL_B [--rounds 6] [--seconds 8]

Start both services first (for example the Bento of two commits, each with ``bentoml serve`` on
its own loopback port). Each round sends 100 requests/s of ``application_test`` clients as new
applications with their credit history to one service then the other (the order alternates),
then the same applications alone, and prints each side's p50; at the end, each side's medians.
On a virtual machine whose speed drifts by more than a change over minutes, only services
measured in turn like this give a comparison that holds; ``benchmarks/serving.py`` measures one
service at a time. The load generator shares the cores with both services.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from measure import yardstick_ms
from serving import _loopback_port, new_applicants, paced_clients

RATE = 100.0
CLIENTS = 16


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("url_a")
    parser.add_argument("url_b")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    ports = [_loopback_port(args.url_a), _loopback_port(args.url_b)]
    pairs = new_applicants(args.data, count=300)
    bodies = {"history": [h for h, _ in pairs], "alone": [a for _, a in pairs]}
    for port in ports:  # warm-up
        for sent in bodies.values():
            paced_clients(port, sent, CLIENTS, RATE / 2, 3, name="warm")
    found: list[dict[str, list[float]]] = [{k: [] for k in bodies} for _ in ports]
    for round_ in range(args.rounds):
        order = [0, 1] if round_ % 2 == 0 else [1, 0]
        for kind, sent in bodies.items():
            for side in order:
                result = paced_clients(ports[side], sent, CLIENTS, RATE, args.seconds, name=kind)
                found[side][kind].append(result[f"{kind}_p50_ms"])
        print(
            f"round {round_}: "
            + " | ".join(
                f"{kind} p50 A {found[0][kind][-1]:.2f} B {found[1][kind][-1]:.2f} ms"
                for kind in bodies
            )
            + f" (machine yardstick {yardstick_ms(100):.3f} ms)",
            flush=True,
        )
    for side, (label, port) in enumerate(zip("AB", ports, strict=True)):
        medians = ", ".join(
            f"{kind} p50 median {statistics.median(v):.2f} ms ({min(v):.1f}-{max(v):.1f})"
            for kind, v in found[side].items()
        )
        print(f"{label} (port {port}): {medians}")


if __name__ == "__main__":
    main()
