"""Where the service's start and a known client's score spend their time, in process.

Usage:
    python benchmarks/scorer.py [--model credit_scoring_champion:latest] [--repeats 300]
        [--data DATA_DIR]

Loads the champion bundle of ``BENTOML_HOME`` as the service does (``Scorer.load``) and prints:
the seconds of the load, and of reading the known clients' rows from each format bundles have
held (the memory-mapped matrix now, one uncompressed Arrow file, zstd Parquet), all written in a
scratch folder;
the milliseconds of one full garbage collection with everything loaded, then after
``gc.freeze()`` (what the service does at the end of its start); and the mean
milliseconds of scoring known clients one at a time and sixteen at a time (``predict_ids``, the
path of ``/predict``), looked up in the answers computed at packaging and computed live side by
side, with the row lookup, the model's raw score (encoder and model, as served) and its
feature contributions (what a refusal's reason codes are taken from) apart; and the seconds
packaging takes to compute every known client's answer.

With ``--data`` (a pipeline's ``DATA_DIR``), ``application_test`` clients sent as new applicants
(the bodies ``benchmarks/serving.py`` sends): the median milliseconds of validating a request's
JSON (``PredictRequest``), of its feature row and of its whole answer (``predict_new``: features,
score, reasons), with the credit history and with the application alone; the feature row with
history by group (the application's, then each side-table group of ``online.GROUPS``); and the
answer with history when each call follows a pause of 0, 2, 10 and 50 ms (what a request that
finds its worker idle pays on a shared VM), and of 2 and 10 ms spent spinning instead of
sleeping (is it the idle CPU halting, or time given to the machine's other work?). Beside the
serving benchmark's HTTP latencies: what the service itself computes, and what the server adds.
The machine's yardstick (``measure.yardstick_ms``) is printed at the start and at the end.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import polars as pl
import pyarrow.feather as feather
from measure import yardstick_ms
from pydantic import BaseModel

from credit_assets.features import online
from credit_assets.features.common import KEY
from credit_assets.serving import bundle
from credit_assets.serving.history import HistoryRules
from credit_assets.serving.known import compute_answers
from credit_assets.serving.schemas import PredictRequest
from credit_assets.serving.scorer import Scorer
from credit_assets.serving.store import ClientStore


def mean_ms(task: Callable[[], Any], repeats: int) -> float:
    """Mean milliseconds of ``task`` over ``repeats`` calls, after one warm-up call."""
    task()
    start = time.perf_counter()
    for _ in range(repeats):
        task()
    return (time.perf_counter() - start) / repeats * 1000


def collection_ms() -> float:
    start = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - start) * 1000


def client_file_formats(folder: Path, columns: list[str]) -> str:
    """Seconds to read the known clients' rows as the service does, from the same rows in each
    format bundles have held: the memory-mapped matrix with an Arrow file of the ids and texts
    (now), every column in one uncompressed Arrow file, and zstd Parquet."""
    source = bundle.clients_file(folder)
    store = ClientStore.read(source, columns)
    frame = store.features.reset_index()
    table = pl.from_pandas(frame).with_columns(pl.col(KEY).cast(pl.Int64))
    del store, frame
    seconds = {}
    with tempfile.TemporaryDirectory() as scratch:
        copies = {
            "matrix, mapped": Path(scratch) / "matrix" / "clients.arrow",
            "one Arrow file": Path(scratch) / "clients.arrow",
            "zstd Parquet": Path(scratch) / "clients.parquet",
        }
        copies["matrix, mapped"].parent.mkdir()
        ClientStore.write(table, copies["matrix, mapped"])
        whole = copies["one Arrow file"]
        feather.write_feather(table.to_arrow(), whole, compression="uncompressed")
        table.write_parquet(copies["zstd Parquet"], compression="zstd")
        del table
        for name, path in copies.items():
            start = time.perf_counter()
            ClientStore.read(path, columns)
            seconds[name] = time.perf_counter() - start
    return "client rows read: " + ", ".join(f"{n} {t:.2f} s" for n, t in seconds.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--model", default="credit_scoring_champion:latest")
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--data", type=Path, help="a pipeline's DATA_DIR: new applicants too")
    args = parser.parse_args()
    import bentoml

    folder = bentoml.models.get(args.model).path
    print(f"machine yardstick (benchmarks/measure.py, lower is faster): {yardstick_ms():.3f} ms")
    start = time.perf_counter()
    scorer = Scorer.load(Path(folder))
    print(f"Scorer.load: {time.perf_counter() - start:.2f} s, {len(scorer.clients)} known clients")
    print(client_file_formats(Path(folder), scorer.model.feature_names))
    print(f"full garbage collection: {collection_ms():.1f} ms", end="")
    gc.freeze()
    print(f"; after gc.freeze(): {collection_ms():.1f} ms")
    model = scorer.model
    # Random clients: about a third are refused. Looked up: their probability and reason codes
    # as packaged; computed live: both from their rows (the way of bundles without them).
    ids = random.Random(0).sample(scorer.clients.ids.tolist(), 16)
    one, sixteen = scorer.known_features(ids[:1]), scorer.known_features(ids)
    n = args.repeats
    known = scorer.known
    print(f"{type(model.model).__name__} champion, mean of {n} calls (ms):")
    for label, answers in (("looked up", known), ("computed live", None)):
        if label == "looked up" and answers is None:
            print("  (this bundle has no known answers: packaged before known_answers.parquet)")
            continue
        scorer.known = answers
        print(f"  predict_ids {label}, 1 / 16 clients: "
              f"{mean_ms(lambda: scorer.predict_ids(ids[:1]), n):.3f}"
              f" / {mean_ms(lambda: scorer.predict_ids(ids), n):.3f}")  # fmt: skip
    scorer.known = known
    print(f"  row lookup, 1 / 16:      {mean_ms(lambda: scorer.known_features(ids[:1]), n):.3f}"
          f" / {mean_ms(lambda: scorer.known_features(ids), n):.3f}")  # fmt: skip
    # As served: the encoder and the model, or the linear shortcut for a few rows.
    print(f"  raw score, 1 / 16:       {mean_ms(lambda: model.raw_score(one), n):.3f}"
          f" / {mean_ms(lambda: model.raw_score(sixteen), n):.3f}")  # fmt: skip
    print(f"  contributions, 1 / 16:   {mean_ms(lambda: model.feature_contributions(one), n):.3f}"
          f" / {mean_ms(lambda: model.feature_contributions(sixteen), n):.3f}")  # fmt: skip
    start = time.perf_counter()
    compute_answers(model, scorer.clients)
    seconds = time.perf_counter() - start
    print(
        "every known client's probability and every refused client's reasons"
        f" (what packaging adds): {seconds:.1f} s"
    )
    if args.data:
        new_applicants(scorer, args.data)
    print(f"machine yardstick at the end: {yardstick_ms():.3f} ms")


def median_ms(
    task: Callable[[Any], Any], items: list[Any], pause: float = 0.0, spin: bool = False
) -> float:
    """The median milliseconds of ``task`` over ``items``, after one warm-up call; with
    ``pause`` seconds (not timed) before each call, slept or, with ``spin``, spent polling the
    clock (the CPU kept busy)."""
    task(items[0])
    times = []
    for item in items:
        if spin:
            until = time.perf_counter() + pause
            while time.perf_counter() < until:
                pass
        else:
            time.sleep(pause)
        start = time.perf_counter()
        task(item)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def new_applicants(scorer: Scorer, data: Path) -> None:
    from serving import new_applicants as sample_applicants

    pairs = sample_applicants(data, count=100)
    print(f"{len(pairs)} application_test clients as new applicants, median ms per applicant:")
    for label, bodies in (
        ("with history", [json.dumps(h).encode() for h, _ in pairs]),
        ("alone       ", [json.dumps(a).encode() for _, a in pairs]),
    ):
        requests = [PredictRequest.model_validate_json(body) for body in bodies]
        validation = median_ms(PredictRequest.model_validate_json, bodies)
        features = median_ms(
            lambda r: scorer.new_features([r.application], histories=[r.history]), requests
        )
        answer = median_ms(lambda r: scorer.predict_new([r]), requests)
        print(
            f"  {label}: request JSON validated {validation:.2f}, feature row {features:.2f},"
            f" answer (features, score, reasons) {answer:.2f}"
        )
    with_history = [PredictRequest.model_validate_json(json.dumps(h)) for h, _ in pairs]
    histories = [[cast(HistoryRules, r.history).checked()] for r in with_history]
    records = [[cast(BaseModel, r.application).model_dump(exclude_none=True)] for r in with_history]
    parts = {"application": median_ms(online.application_features, records)}
    for table, group in online.GROUPS.items():
        parts[table] = median_ms(lambda h, group=group: group(h, 1), histories)
    print("  the feature row with history by group: "
          + ", ".join(f"{name} {ms:.2f}" for name, ms in parts.items()))  # fmt: skip
    # On a VM whose idle CPUs halt, work that follows a pause runs slower than back to back.
    # Spinning through the pause instead tells the two causes apart: a CPU that halted when
    # idle, or the machine's other work evicting this process' caches meanwhile.
    single = [[r] for r in with_history]
    apart = [median_ms(scorer.predict_new, single, p) for p in (0, 0.002, 0.01, 0.05)]
    spun = [median_ms(scorer.predict_new, single, p, spin=True) for p in (0.002, 0.01)]
    slept, busy = " / ".join(f"{ms:.2f}" for ms in apart), " / ".join(f"{ms:.2f}" for ms in spun)
    print(f"  answer with history after a pause of 0 / 2 / 10 / 50 ms: {slept};"
          f" after 2 / 10 ms spent spinning: {busy}")  # fmt: skip


if __name__ == "__main__":
    main()
