"""``credit-scoring``: the project's command line.

credit-scoring synth --out DIR --train-clients N --test-clients M --seed S [--zip]
credit-scoring demo-data            (the synthetic demo folder, unless real data is configured)
"""

from __future__ import annotations

import argparse
import sys
import time
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
    args = parser.parse_args(argv)

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
