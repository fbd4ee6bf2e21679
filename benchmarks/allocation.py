"""What NumPy's huge-page advice and Arrow's mimalloc cost large allocations on this machine.

Usage:
    python benchmarks/allocation.py [--rounds 6] [--pause 3] [--parquet FILE]

Converts a float32 matrix the size of the demo training set's numeric features (721 x 24,601)
to float64 in a fresh array, ``--rounds`` times with ``--pause`` seconds between (time for the
kernel to hand the freed memory back to the host), once with NumPy's huge-page advice
(``madvise(MADV_HUGEPAGE)``, NumPy's default on Linux) and once without, each in its own process,
and prints each round's seconds. The Makefile exports ``NUMPY_MADVISE_HUGEPAGE=0`` from this.

Then reads a Parquet file with ``pd.read_parquet`` (``--parquet``, e.g. a pipeline's
``training/training_set.parquet``; by default a generated 100,000 x 300 float32 table with a
tenth missing) ``--rounds`` times with each of Arrow's memory pools: mimalloc (pyarrow's
default), jemalloc and the system's allocator, each in its own process. Importing
``credit_assets`` switches to jemalloc from this.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

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

READ = """
import sys, time
import pandas as pd
import pyarrow as pa
seconds = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    frame = pd.read_parquet(sys.argv[1])
    seconds.append(time.perf_counter() - start)
    del frame
    time.sleep(float(sys.argv[3]))
print(pa.default_memory_pool().backend_name, " ".join(f"{s:.3f}" for s in seconds),
      f"(median {sorted(seconds)[len(seconds) // 2]:.3f})")
"""
POOLS = ("mimalloc", "jemalloc", "system")


def _example_parquet(folder: str) -> str:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = np.random.default_rng(0).normal(size=(100_000, 300)).astype(np.float32)
    values[np.random.default_rng(1).random(values.shape) < 0.1] = np.nan
    table = pa.table({f"f{i}": pa.array(values[:, i], from_pandas=True) for i in range(300)})
    path = os.path.join(folder, "example.parquet")
    pq.write_table(table, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--pause", type=float, default=3.0)
    parser.add_argument("--parquet", help="a Parquet file to read (default: a generated one)")
    args = parser.parse_args()
    for label, advice in (("huge-page advice on (NumPy's default)", "1"), ("off", "0")):
        env = {**os.environ, "NUMPY_MADVISE_HUGEPAGE": advice}
        command = [sys.executable, "-c", ROUND, str(args.rounds), str(args.pause)]
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        print(f"{label}: a fresh 142 MB float64 array, seconds per round: {out.stdout.strip()}")
    with tempfile.TemporaryDirectory() as folder:
        path = args.parquet or _example_parquet(folder)
        print(f"pd.read_parquet({path}), seconds per round, by Arrow memory pool:")
        for pool in POOLS:
            env = {**os.environ, "ARROW_DEFAULT_MEMORY_POOL": pool}
            command = [sys.executable, "-c", READ, path, str(args.rounds), str(args.pause)]
            out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            print(f"  {out.stdout.strip()}")


if __name__ == "__main__":
    main()
