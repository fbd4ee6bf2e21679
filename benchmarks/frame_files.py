"""What a modelling frame's file costs to write and to read: Parquet (the lake's format before)
against Arrow IPC with LZ4 (now) and uncompressed.

Usage:
    python benchmarks/frame_files.py FRAME_FILE [--repeats 3]

FRAME_FILE is a modelling frame a ``make pipeline`` run wrote (``DATA_DIR/training/
training_set.arrow``, or the ``.parquet`` of an older lake). Each format is written to a scratch
folder and read back into pandas as the steps read it (``DataLake.read_frame``), ``--repeats``
times; the median seconds of a write and of a read and the file's size are printed, and every
read is checked equal to the frame. Every candidate, check and report step of the pipeline reads
the training set again: a second saved on a read is saved some fifteen times a run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.feather as feather


def seconds(task: Callable[[Path], object], path: Path, repeats: int) -> tuple[float, object]:
    """Median seconds of ``task(path)``, and its last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = task(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("frame", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    read_any = pd.read_parquet if args.frame.suffix == ".parquet" else pd.read_feather
    frame = read_any(args.frame)
    print(f"{args.frame.name}: {frame.shape[0]:,} rows x {frame.shape[1]} columns")
    formats: dict[str, tuple[Callable[[Path], object], Callable[[Path], pd.DataFrame]]] = {
        "Parquet (snappy), before": (
            lambda path: frame.to_parquet(path),
            lambda path: pd.read_parquet(path),
        ),
        "Arrow IPC, LZ4 (now)": (
            lambda path: feather.write_feather(frame, path, compression="lz4"),
            lambda path: feather.read_table(path).to_pandas(),
        ),
        "Arrow IPC, uncompressed": (
            lambda path: feather.write_feather(frame, path, compression="uncompressed"),
            lambda path: feather.read_table(path).to_pandas(),
        ),
    }
    with tempfile.TemporaryDirectory() as scratch:
        for label, (write, read) in formats.items():
            path = Path(scratch) / "frame"
            written, _ = seconds(write, path, args.repeats)
            took, back = seconds(read, path, args.repeats)
            pd.testing.assert_frame_equal(back, frame)  # pyright: ignore[reportArgumentType]
            size = path.stat().st_size / 1e6
            print(f"  {label:26s} write {written:5.2f} s  read {took:5.2f} s  {size:6.0f} MB")
            path.unlink()


if __name__ == "__main__":
    main()
