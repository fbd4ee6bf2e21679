"""A new applicant's feature row with and without their credit history, in process.

Usage:
    python benchmarks/history_features.py [--clients 2000] [--repeats 30] [--batch 16]

Generates a small synthetic dataset, builds its client table as the pipeline does (``build_all``)
and picks applicants with a typical history (a few bureau credits with their months, a few
previous applications with their monthly rows). Prints the median and best milliseconds per call
of ``new_client_features``: the application alone (the columns the service computes for an
applicant without history), with the history, and ``--batch`` applicants with their histories in
one call (what the service's thread batcher does with concurrent requests), per applicant.

Side by side, the previous way of the same call: the batch's Polars queries on the applicants'
rows (``queried_rows``, what ``new_client_features`` did for every call before; it still does
for more than ``FEW_ROWS`` applicants), and the way it now takes for a few applicants, the same
definitions evaluated in NumPy (``computed_rows``). "same rows" compares the two.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from credit_assets.features.build import build_all
from credit_assets.features.common import KEY
from credit_assets.features.feature_sets import application_part
from credit_assets.features.history import (
    given,
    history_of,
)
from credit_assets.features.serving import FeatureSpec, computed_rows, queried_rows
from credit_assets.ingest import read_table
from credit_assets.ingest.source import locate_source
from credit_assets.kaggle import SIDE_TABLES, TABLES
from credit_assets.synth.generate import write_dataset


def timings_ms(task: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """Median and best milliseconds of ``task`` over ``repeats`` calls, after a warm-up."""
    task()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        task()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def same_rows(a: pd.DataFrame, b: pd.DataFrame, spec: FeatureSpec) -> bool:
    """Equal columns, texts and numbers (float32 rounding aside), missing where missing."""
    if list(a.columns) != list(b.columns):
        return False
    text = list(spec.categorical)
    if not a[text].fillna("").equals(b[text].fillna("")):
        return False
    numbers = a.drop(columns=text).to_numpy(np.float64)
    return bool(np.allclose(numbers, b.drop(columns=text).to_numpy(np.float64), equal_nan=True))


def typical_clients(raw: dict[str, pl.DataFrame], count: int) -> list[int]:
    """Clients with 3-7 bureau credits and 3-7 previous applications."""
    sizes = [
        raw[t].group_by(KEY).len().filter(pl.col("len").is_between(3, 7)).select(KEY)
        for t in ("bureau", "previous_application")
    ]
    both = sizes[0].join(sizes[1], on=KEY).sort(KEY)
    return both.get_column(KEY).head(count).to_list()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = write_dataset(Path(folder), args.clients, args.clients // 5, seed=1, workers=1)
        files = locate_source(source)
        raw = {t: pl.from_arrow(read_table(files.file(t)).data) for t in TABLES}
    raw = {t: frame for t, frame in raw.items() if isinstance(frame, pl.DataFrame)}
    table, _ = build_all({t: frame.lazy() for t, frame in raw.items()})
    spec = FeatureSpec.of(table)
    application_spec = application_part(spec)
    ids = typical_clients(raw, args.batch)
    everyone = pl.concat([raw["application_train"].drop("TARGET"), raw["application_test"]])
    applications = [given(everyone.filter(pl.col(KEY) == i).row(0, named=True)) for i in ids]
    histories = [history_of(raw, i) for i in ids]
    rows = {t: sum(len(h[t]) for h in histories) / len(ids) for t in SIDE_TABLES}
    print(f"{len(spec.columns)} feature columns; mean rows per applicant: "
          + ", ".join(f"{t} {n:.0f}" for t, n in rows.items()))  # fmt: skip
    cases = {
        "application alone": (applications[:1], application_spec, [None]),
        "with history": (applications[:1], spec, histories[:1]),
        f"{len(ids)} with history, per applicant": (applications, spec, histories),
    }
    print(f"new_client_features, median and best of {args.repeats} calls (ms):")
    print(f"  {'':<32} {'Polars queries':>15}  {'NumPy':>15}  same rows")
    for name, (application, columns, history) in cases.items():
        per = len(application)
        figures = []
        for way in (queried_rows, computed_rows):
            call = partial(way, application, history, columns)
            median, best = timings_ms(call, args.repeats)
            figures.append(f"{median / per:7.2f} {best / per:7.2f}")
        same = same_rows(
            queried_rows(application, history, columns),
            computed_rows(application, history, columns),
            columns,
        )
        print(f"  {name:<32} {figures[0]}  {figures[1]}  {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
