"""``credit-scoring``: the project's command line.

credit-scoring synth --out DIR --train-clients N --test-clients M --seed S [--zip]
credit-scoring demo-data            (the synthetic demo folder, unless real data is configured)
credit-scoring materialize [--all] [--dry-run]
                                    (what is missing or stale, one line per step, log to a file)
credit-scoring addresses --service-port P --dagster-port D --mlflow-port M
                                    (wait until each part answers, print the addresses, stay up)
credit-scoring wait-for URL [--timeout S]
                                    (return once URL answers: the Procfile starts the UIs after
                                    the service is ready, so they do not slow its start)
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from credit_assets import settings

DEMO_TRAIN_CLIENTS = 30_752
DEMO_TEST_CLIENTS = 4_875


def synth(
    out: Path, n_train: int, n_test: int, seed: int, as_zip: bool, workers: int | None
) -> Path:
    """Generate a Kaggle-format synthetic dataset with a progress bar on stderr."""
    from credit_assets.synth.generate import write_dataset

    columns = (
        TextColumn("[bold]synth[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} chunks"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task("synth", total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return write_dataset(out, n_train, n_test, seed, workers, as_zip, report)


def materialize(everything: bool, dry_run: bool = False, experiments: bool = False) -> int:
    """Materialise the assets that are missing or stale (all with ``everything``; only list them
    with ``dry_run``; the experiments too with ``experiments``); 1 on failure."""
    import dagster as dg

    from credit_assets.defs.lineage import PIPELINE_SINKS
    from credit_assets.launcher import run, state
    from credit_assets.launcher.selection import reasons, to_materialise

    instance = dg.DagsterInstance.get()
    # Everything but the experiments: the sinks with all their upstream assets (or ``*``), named
    # without loading the graph when nothing was ever materialised (a first run's seconds).
    selection = None if experiments else [f"*{sink}" for sink in PIPELINE_SINKS]
    if not everything and state.has_materialisations(instance):
        began = time.perf_counter()
        graph = state.load_asset_graph()
        loaded = time.perf_counter() - began
        began = time.perf_counter()
        wanted = state.pipeline_assets(graph, experiments)
        status = state.resolver(instance, graph)
        states = [s for s in state.asset_states(status, graph) if s.key in wanted]
        changed = state.changed_raw_assets(status, state.source_tables(graph))
        needed = to_materialise(states, changed, lambda k: state.downstream_of(graph, k))
        selection = [key for key in needed if key in wanted]
        checked = (
            f"graph loaded in {loaded:.1f} s, {len(states)} assets checked in"
            f" {time.perf_counter() - began:.1f} s"
        )
        if not selection:
            print(f"pipeline: {checked}: every asset is up to date, nothing to materialise")
            return 0
        print(f"pipeline: {checked}: {len(selection)} to materialise")
        for line in reasons(states, changed):
            print(f"  {line}")
        if dry_run:
            print("would materialise: " + ", ".join(selection))
            return 0
    elif dry_run:
        print("pipeline: would materialise every asset")
        return 0
    else:
        left_out = "" if experiments else " but the experiments"
        print(f"pipeline: materialising every asset{left_out}")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    log = settings.data_dir() / "logs" / f"pipeline-{stamp}.log"
    print(f"pipeline: full log in {log}")
    try:
        return 0 if run.materialise(instance, selection, log) else 1
    except KeyboardInterrupt:
        return 130  # what a shell reports for Ctrl-C; the run was told to stop


def addresses(service_port: int, dagster_port: int, mlflow_port: int, timeout: float) -> int:
    """Print the addresses once each answers, then stay up until stopped (a Procfile process:
    honcho stops every process as soon as one exits)."""
    from credit_assets.launcher.ready import address_block, endpoints, wait_until_ready

    points = endpoints(service_port, dagster_port, mlflow_port)
    print(address_block(points, wait_until_ready(points, timeout)), flush=True)
    signal.pause()
    return 0


def wait_for(url: str, timeout: float) -> int:
    """0 once ``url`` answers, 1 if it has not within ``timeout`` seconds."""
    from credit_assets.launcher.ready import Endpoint, wait_until_ready

    ready = wait_until_ready([Endpoint(url, url, url)], timeout)
    if ready[url] is None:
        print(f"credit-scoring: {url} did not answer within {timeout:g} s", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="credit-scoring", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("synth", help="write synthetic data in the Kaggle format")
    gen.add_argument("--out", type=Path, required=True, help="output folder")
    gen.add_argument("--train-clients", type=int, default=307_511)
    gen.add_argument("--test-clients", type=int, default=48_744)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--zip", action="store_true", help="pack the files like Kaggle's zip")
    gen.add_argument("--workers", type=int, default=None, help="processes (default: 2)")
    demo = commands.add_parser("demo-data", help="create the demo data if none is configured")
    demo.add_argument("--force", action="store_true", help="regenerate even if present")
    build = commands.add_parser(
        "materialize", help="materialise what is missing or stale, showing one line per step"
    )
    build.add_argument("--all", action="store_true", help="every asset, fresh or not")
    build.add_argument("--dry-run", action="store_true", help="only list what would run")
    build.add_argument(
        "--experiments", action="store_true", help="the experiments too (resampling_experiment)"
    )
    show = commands.add_parser("addresses", help="wait for the running parts, print addresses")
    show.add_argument("--service-port", type=int, default=settings.SERVICE_PORT)
    show.add_argument("--dagster-port", type=int, default=3000)
    show.add_argument("--mlflow-port", type=int, default=5000)
    show.add_argument("--timeout", type=float, default=300.0, help="seconds to wait at most")
    wait = commands.add_parser("wait-for", help="return once a URL answers")
    wait.add_argument("url")
    wait.add_argument("--timeout", type=float, default=300.0, help="seconds to wait at most")
    args = parser.parse_args(argv)

    if args.command == "materialize":
        return materialize(args.all, args.dry_run, args.experiments)
    if args.command == "wait-for":
        return wait_for(args.url, args.timeout)
    if args.command == "addresses":
        return addresses(args.service_port, args.dagster_port, args.mlflow_port, args.timeout)

    if args.command == "synth":
        start = time.perf_counter()
        try:
            where = synth(
                args.out, args.train_clients, args.test_clients, args.seed, args.zip, args.workers
            )
        except ValueError as error:
            parser.error(str(error))
        print(f"synthetic data written to {where} in {time.perf_counter() - start:.1f} s")
        return 0

    source = settings.home_credit_source()
    if source != settings.demo_data_dir():
        print(f"HOME_CREDIT_DATA is set: using {source}, no demo data needed")
        return 0
    if (source / "application_train.csv").exists() and not args.force:
        print(f"demo data present in {source}")
        return 0
    synth(source, DEMO_TRAIN_CLIENTS, DEMO_TEST_CLIENTS, seed=0, as_zip=False, workers=None)
    print(f"synthetic demo data written to {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
