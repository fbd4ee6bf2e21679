"""What one prediction-log append costs, alone and with concurrent writer processes, and what
a served answer's log adds to its request, written before the answer or behind it.

Usage: ``python benchmarks/prediction_log.py [--appends 2000] [--writers 1 2 4]``

First, ``--appends`` answers of the service's two kinds (a known id, a new application) logged
one after the other as the service did before (``record_answer``: entry, JSON and one SQLite
transaction before the answer leaves) and as it does now (``AnswerLog.log``: queued, one thread
writes behind): the milliseconds each answer spends on the request's path, and for the writer
thread the seconds until every entry is written and how many transactions it took.

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
from credit_assets.monitoring.served import AnswerLog, record_answer
from credit_assets.serving.schemas import Prediction, PredictRequest

ROW = {"SK_ID_CURR": 100_002, "AMT_CREDIT": 406_597.5, "NAME_CONTRACT_TYPE": "Cash loans"}
APPLICATION = {
    "AMT_INCOME_TOTAL": 202_500.0,
    "AMT_CREDIT": 406_597.5,
    "AMT_ANNUITY": 24_700.5,
    "AMT_GOODS_PRICE": 351_000.0,
    "DAYS_BIRTH": -9_461,
    "DAYS_EMPLOYED": -637,
    "EXT_SOURCE_2": 0.26,
    "EXT_SOURCE_3": 0.14,
    "CNT_CHILDREN": 0,
    "NAME_CONTRACT_TYPE": "Cash loans",
    "NAME_INCOME_TYPE": "Working",
    "NAME_EDUCATION_TYPE": "Secondary / secondary special",
}


def request_path(count: int) -> None:
    """Print what logging ``count`` answers of each kind costs on the request's path, before
    and behind the answer."""
    answer = Prediction(
        sk_id_curr=100_002, probability=0.1, threshold=0.5, decision="accepted",
        scored_on="history", model_version="v1", data_kind="synthetic",
    )  # fmt: skip
    kinds = {
        "known id": PredictRequest.model_validate({"sk_id_curr": 100_002}),
        "new application": PredictRequest.model_validate({"application": APPLICATION}),
    }
    for kind, request in kinds.items():
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "predictions.sqlite"
            record_answer(request, answer, time.perf_counter(), path=path)  # the schema
            start = time.perf_counter()
            for _ in range(count):
                record_answer(request, answer, time.perf_counter(), path=path)
            before = 1000 * (time.perf_counter() - start) / count
            answers = AnswerLog(path)
            log = PredictionLog(path)
            start = time.perf_counter()
            for _ in range(count):
                answers.log(request, answer, time.perf_counter())
            behind = 1000 * (time.perf_counter() - start) / count
            answers.flush()
            written = time.perf_counter() - start
            answers.close()
            found = log.count() - 1 - count
            print(
                f"{kind}: {before:.3f} ms per answer on the request's path written before it,"
                f" {behind:.3f} ms written behind it (the writer done {written:.2f} s after the"
                f" first, {answers.transactions} transactions); entries found {found} of {count}"
            )


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
    request_path(args.appends)
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
