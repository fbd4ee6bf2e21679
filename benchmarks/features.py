"""Time the client feature build from the Kaggle CSVs, through the code the Dagster assets run.

Usage:
    python benchmarks/features.py DATA_DIR [--reader ingest|polars] [--out FILE.parquet]

DATA_DIR holds the eight Kaggle CSVs (plain, .gz, or the competition zip with ``--reader
ingest``). ``ingest`` reads each table with ``credit_assets.ingest.read_table``, the raw assets'
own reader (schema enforced, validated, hashed); ``polars`` scans the CSVs with the Kaggle dtypes
instead, so each feature group parses its own file inside its query. Either way the tables go
through ``credit_assets.features.build`` as ``build_all`` runs them (every group, two at a time,
then the client table), as the feature assets do, and the table is written as Parquet. The last
line is ``features: R rows x C columns; T s; peak G GB``, comparable with
``pandas_reference_features.py`` run on the same folder.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from credit_assets.features.build import build_client_features, build_groups, write_table
from credit_assets.features.sources import IngestedTables, scan_csvs


def peak_gb() -> float:
    """Peak resident memory of this process or of any child it waited for, in GB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--reader", choices=("ingest", "polars"), default="ingest")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--workers", type=int, default=2, help="feature groups built at once")
    args = parser.parse_args()
    start = time.perf_counter()
    raw = IngestedTables(args.data) if args.reader == "ingest" else scan_csvs(args.data)
    tables = build_groups(raw, args.workers)
    for name, seconds in tables.seconds.items():
        print(f"{name}: {seconds:.1f} s", flush=True)
    print(f"groups, {args.workers} at a time: {time.perf_counter() - start:.1f} s", flush=True)
    began = time.perf_counter()
    features, report = build_client_features(tables.application, tables.parts, tables.training_ids)
    built = time.perf_counter()
    print(f"client table: {built - began:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch) / "client_features.parquet"
        write_table(features, out)
        written = time.perf_counter()
    print(f"write: {written - built:.1f} s", flush=True)
    dropped = len(report.dropped_missing), len(report.dropped_constant)
    print(f"dropped: {dropped[0]} mostly missing, {dropped[1]} constant", flush=True)
    print(
        f"features: {features.height} rows x {features.width} columns; "
        f"{written - start:.1f} s; peak {peak_gb():.2f} GB"
    )


if __name__ == "__main__":
    main()
