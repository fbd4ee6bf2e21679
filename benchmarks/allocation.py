"""What NumPy's huge-page advice costs a large array's first use on this machine.

Usage:
    python benchmarks/allocation.py [--rounds 6] [--pause 3]

Converts a float32 matrix the size of the demo training set's numeric features (721 x 24,601)
to float64 in a fresh array, ``--rounds`` times with ``--pause`` seconds between (time for the
kernel to hand the freed memory back to the host), once with NumPy's huge-page advice
(``madvise(MADV_HUGEPAGE)``, NumPy's default on Linux) and once without, each in its own process,
and prints each round's seconds. The Makefile exports ``NUMPY_MADVISE_HUGEPAGE=0`` from this.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

ROUND = """
import sys, time
import numpy as np
a = np.random.default_rng(0).normal(size=(721, 24_601)).astype(np.float32)
seconds = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    b = a.astype(np.float64)
    seconds.append(time.perf_counter() - start)
    del b
    time.sleep(float(sys.argv[2]))
print(" ".join(f"{s:.3f}" for s in seconds), f"(median {sorted(seconds)[len(seconds) // 2]:.3f})")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--pause", type=float, default=3.0)
    args = parser.parse_args()
    for label, advice in (("huge-page advice on (NumPy's default)", "1"), ("off", "0")):
        env = {**os.environ, "NUMPY_MADVISE_HUGEPAGE": advice}
        command = [sys.executable, "-c", ROUND, str(args.rounds), str(args.pause)]
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        print(f"{label}: a fresh 142 MB float64 array, seconds per round: {out.stdout.strip()}")


if __name__ == "__main__":
    main()
