"""A new applicant's feature row with and without their credit history, in process.

Usage:
    python benchmarks/history_features.py [--clients 2000] [--repeats 30] [--batch 16]

Generates a small synthetic dataset, builds its client table as the pipeline does (``build_all``)
and picks applicants with a typical history (a few bureau credits with their months, a few
previous applications with their monthly rows). Prints the median and best milliseconds per call
of ``new_client_features``: the application alone (the columns the service computes for an
applicant without history), with the history, and ``--batch`` applicants with their histories in
one call (what the service's thread batcher does with concurrent requests), per applicant.

Side by side, the previous way of the same call (kept here, :func:`previous_way`): the batch's
own assembly (``build.assemble``: a float32 cast, a join and a rename per feature group, then
``to_pandas``) over raw frames built column by column. It calls today's feature groups, so the
gain it shows is the assembly's alone; the groups' own gain shows against an older commit's run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from credit_assets.features.application import application_features
from credit_assets.features.build import FEATURE_FLOAT, assemble, build_all, clean
from credit_assets.features.common import KEY
from credit_assets.features.feature_sets import application_part
from credit_assets.features.history import (
    HistoryRows,
    given,
    has_rows,
    history_of,
    raw_types,
    side_features,
)
from credit_assets.features.serving import FeatureSpec, new_client_features
from credit_assets.ingest import read_table
from credit_assets.ingest.source import locate_source
from credit_assets.kaggle import SIDE_TABLES, TABLES
from credit_assets.synth.generate import write_dataset


def previous_way(
    application: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    spec: FeatureSpec,
    history: HistoryRows | Sequence[HistoryRows | None] | None = None,
) -> pd.DataFrame:
    """``new_client_features`` as it was: the batch's assembly on the applicants' rows."""
    records = [application] if isinstance(application, Mapping) else list(application)
    types = raw_types("application_test")
    raw = pl.DataFrame(
        [pl.Series(c, [r.get(c) for r in records], dtype=t, strict=False) for c, t in types.items()]
    )
    histories = (
        [history] if isinstance(history, Mapping) else list(history or [None] * len(records))
    )
    if has_rows(histories):
        keyed = raw.with_columns(pl.int_range(raw.height, dtype=pl.Int64).alias(KEY))
        features = assemble(application_features(keyed.lazy()).collect(), side_features(histories))
    else:
        features = clean(application_features(raw.lazy()).collect())
    present = set(features.columns)
    aligned = features.select(
        pl.col(c)
        if c in present
        else pl.lit(None, dtype=pl.String if c in spec.categorical else FEATURE_FLOAT).alias(c)
        for c in spec.columns
    )
    return aligned.to_pandas()


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
        "application alone": (applications[0], application_spec, None),
        "with history": (applications[0], spec, histories[0]),
        f"{len(ids)} with history, per applicant": (applications, spec, histories),
    }
    print(f"new_client_features, median and best of {args.repeats} calls (ms):")
    print(f"  {'':<32} {'previous way':>15}  {'new way':>15}  same rows")
    for name, (application, columns, history) in cases.items():
        per = len(ids) if name.startswith(str(len(ids))) else 1
        figures = []
        for way in (previous_way, new_client_features):
            call = partial(way, application, columns, history)
            median, best = timings_ms(call, args.repeats)
            figures.append(f"{median / per:7.1f} {best / per:7.1f}")
        same = same_rows(
            previous_way(application, columns, history),
            new_client_features(application, columns, history),
            columns,
        )
        print(f"  {name:<32} {figures[0]}  {figures[1]}  {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
