"""What one prediction-log append costs, alone and with concurrent writer processes.

Usage: ``python benchmarks/prediction_log.py [--appends 2000] [--writers 1 2 4]``

For each number of writer processes, every process appends ``--appends`` single-client entries
(the service's case: one transaction per answer) to one SQLite log in a temporary folder, all
starting together once every process has imported; it prints the milliseconds per append (the
mean over writers of each one's loop time / appends, and the worst writer) and the entries
found against the entries written.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

from credit_assets.monitoring.prediction_log import PredictionLog, log_predictions

ROW = {"SK_ID_CURR": 100_002, "AMT_CREDIT": 406_597.5, "NAME_CONTRACT_TYPE": "Cash loans"}


def append_many(path: str, count: int, go: Any = None, times: Any = None) -> None:
    """Append ``count`` entries once ``go`` is set (saying ready on ``times`` first); put the
    loop's seconds on ``times``."""
    if go is not None and times is not None:
        times.put("ready")
        go.wait()
    start = time.perf_counter()
    for _ in range(count):
        log_predictions([ROW], [0.1], ["accepted"], "v1", 3.5, path=Path(path))
    if times is not None:
        times.put(time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appends", type=int, default=2_000)
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    for writers in args.writers:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "predictions.sqlite"
            append_many(str(path), 1)  # create the file and schema before timing
            go, times = context.Event(), context.Queue()
            processes = [
                context.Process(target=append_many, args=(str(path), args.appends, go, times))
                for _ in range(writers)
            ]
            for process in processes:
                process.start()
            for _ in processes:
                times.get()
            go.set()
            loops = [times.get() for _ in processes]
            for process in processes:
                process.join()
            per_append = [1000 * t / args.appends for t in loops]
            written = writers * args.appends
            found = PredictionLog(path).count() - 1
            print(
                f"{writers} writer(s): {sum(per_append) / writers:.3f} ms per append"
                f" (worst writer {max(per_append):.3f}); entries found {found} of {written}"
            )


if __name__ == "__main__":
    main()
