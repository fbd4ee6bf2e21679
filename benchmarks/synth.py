"""Generation speed and memory: the demo scale and the full Kaggle scale.

Usage: ``python benchmarks/synth.py OUT_DIR [--scale full|demo|both] [--keep]``

Runs ``credit-scoring synth`` as a user would (a subprocess, two worker processes) and prints, per
scale, the rows written, the wall time and the peak resident memory of the generator's processes.
The acceptance: full scale (307,511 + 48,744 clients, about 58 million rows) in at most 4 minutes
and 8 GB; the demo scale in seconds.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from measure import run_measured

from credit_assets import cli, kaggle

SCALES = {
    "demo": (cli.DEMO_TRAIN_CLIENTS, cli.DEMO_TEST_CLIENTS),
    "full": (307_511, 48_744),
}


def count_rows(folder: Path) -> int:
    """Data rows in the eight tables (lines minus headers)."""
    total = 0
    for table in kaggle.TABLES:
        with (folder / f"{table}.csv").open("rb") as handle:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b""))
        total -= 1
    return total


def run(scale: str, out: Path) -> None:
    n_train, n_test = SCALES[scale]
    shutil.rmtree(out, ignore_errors=True)
    command = [
        sys.executable, "-m", "credit_assets.cli", "synth", "--out", str(out),
        "--train-clients", str(n_train), "--test-clients", str(n_test), "--seed", "0",
    ]  # fmt: skip
    seconds, peak_gb = run_measured(command)
    rows = count_rows(out)
    print(
        f"synth {scale}: {n_train:,} + {n_test:,} clients, {rows:,} rows; "
        f"{seconds:.1f} s; peak {peak_gb:.2f} GB (all processes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", choices=["demo", "full", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    for scale in ("demo", "full") if args.scale == "both" else (args.scale,):
        target = args.out / scale
        run(scale, target)
        if not args.keep:
            shutil.rmtree(target, ignore_errors=True)


if __name__ == "__main__":
    main()
