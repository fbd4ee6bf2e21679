"""Wall time and peak memory of a command and all its child processes; a yardstick of the
machine's speed at the time."""

from __future__ import annotations

import statistics
import subprocess
import time

import numpy as np
import psutil


def run_measured(command: list[str], interval: float = 0.1) -> tuple[float, float]:
    """Run ``command``; return (seconds, peak GB of the summed RSS of its process tree)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    root = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(interval)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return time.perf_counter() - start, peak / 1024**3


def yardstick_ms(repeats: int = 300) -> float:
    """Median milliseconds of a fixed piece of work shaped like a new applicant's features
    (rows of Python dicts made a matrix, then a few dozen small NumPy calls), in this process.

    A yardstick of the machine's speed at the time: on this VM the same code runs up to 1.5
    times slower in one half hour than in the next, so figures taken at different times
    compare only beside it (or side by side in one run, like ``benchmarks/paired_serving.py``).
    """
    rng = np.random.default_rng(0)
    names = [f"c{i}" for i in range(40)]
    values = rng.random((60, 40))
    values[values < 0.1] = np.nan
    records = [dict(zip(names, row, strict=True)) for row in values.tolist()]
    starts = np.arange(0, 60, 12)

    def work() -> float:
        matrix = np.array([[record[n] for n in names] for record in records], np.float64)
        valid = ~np.isnan(matrix)
        total = 0.0
        for _ in range(8):
            count = np.add.reduceat(valid, starts, axis=0)
            sums = np.add.reduceat(np.where(valid, matrix, 0.0), starts, axis=0)
            total += float(np.nanmax(sums / np.maximum(count, 1)))
        return total

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000
