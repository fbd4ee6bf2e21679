"""Wall time and peak memory of a command and all its child processes."""

from __future__ import annotations

import subprocess
import time

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
