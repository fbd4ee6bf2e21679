"""Time every training stage and print the figures the evaluation report holds.

Usage:
    python benchmarks/training.py FEATURES.parquet SOURCE_DIR [--trials N] [--timeout S]
        [--folds K] [--n-jobs J] [--candidates a,b] [--no-resampling] [--json FILE]

FEATURES.parquet is the client table (``benchmarks/features.py DIR --out FILE`` writes it, as
the features assets do); SOURCE_DIR is the Kaggle folder it came from, for the labels
(``application_train``), the clients to score (``application_test``) and, for synthetic data,
the true probabilities behind the oracle figures. The stages run the same plain functions as the
Dagster assets, without Dagster or MLflow, so the times are the models' own. Defaults are the
assets' defaults.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from credit_assets.ingest import locate_source
from credit_assets.models import evaluation
from credit_assets.models.candidates import CANDIDATES
from credit_assets.models.champion import choose_champion
from credit_assets.models.data import (
    KEY,
    TARGET,
    dataset_hash,
    features_of,
    labelled_clients,
    split_train_holdout,
    undersample,
)
from credit_assets.models.resampling import compare_resampling
from credit_assets.models.train import CandidateResult, TrainingSettings, train_candidate

T = TypeVar("T")
TIMES: dict[str, float] = {}


def timed(stage: str, work: Callable[[], T]) -> T:
    """Run ``work``, record and print its wall time."""
    start = time.perf_counter()
    result = work()
    TIMES[stage] = time.perf_counter() - start
    print(f"{stage:<34} {TIMES[stage]:8.1f} s", flush=True)
    return result


def read_csv_columns(source: Path, table: str, columns: list[str]) -> pd.DataFrame:
    files = list(source.glob(f"{table}.csv*"))
    return pd.read_csv(files[0]).loc[:, columns]


def single_row_ms(model: Any, rows: pd.DataFrame, repeats: int = 300) -> float:
    times = []
    for i in range(repeats):
        row = rows.iloc[[i % len(rows)]]
        start = time.perf_counter()
        model.predict_proba(row)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("features", type=Path)
    parser.add_argument("source", type=Path)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument("--no-resampling", action="store_true")
    parser.add_argument("--resampling-folds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures and times here")
    args = parser.parse_args()

    def load() -> tuple[pd.DataFrame, pd.DataFrame]:
        features = pd.read_parquet(args.features)
        labels = read_csv_columns(args.source, "application_train", [KEY, TARGET])
        return features, labels

    features, labels = timed("load features and labels", load)
    train, holdout = timed(
        "split train / holdout", lambda: split_train_holdout(labelled_clients(features, labels))
    )
    balanced = timed("undersample", lambda: undersample(train))
    data_hash = timed("dataset hash", lambda: dataset_hash(train))
    kind = locate_source(args.source).kind
    print(
        f"{kind} data: {len(train)} training ({int(train[TARGET].sum())} defaulters),"
        f" {len(balanced)} balanced, {len(holdout)} holdout, {train.shape[1] - 1} features"
    )
    settings = TrainingSettings(args.trials, args.timeout, args.folds, n_jobs=args.n_jobs)
    results: dict[str, CandidateResult] = {}
    with tempfile.TemporaryDirectory() as scratch:
        storage = Path(scratch) / "studies.db"
        for name in args.candidates.split(","):
            results[name] = timed(
                f"candidate {name}",
                lambda name=name: train_candidate(
                    CANDIDATES[name], train, balanced, holdout, storage, settings, data_hash, kind
                ),
            )
            m = results[name].metrics
            print(
                f"  cv AUC {m['cv_auc_mean']:.4f}, holdout AUC {m['holdout_auc']:.4f},"
                f" cost {m['business_cost']:.4f}, {m['trials_complete']:.0f} trials"
                f" ({m['trials_pruned']:.0f} pruned), tuning {m['tuning_seconds']:.0f} s,"
                f" final fit {m['fit_seconds']:.1f} s",
                flush=True,
            )
    metrics = {name: r.metrics for name, r in results.items()}
    resampling = None
    if not args.no_resampling and "lightgbm" in results:
        resampling = timed(
            "resampling experiment",
            lambda: compare_resampling(
                CANDIDATES["lightgbm"],
                results["lightgbm"].tuning.params,
                train,
                args.resampling_folds,
                n_jobs=args.n_jobs,
            ),
        )
    choice = choose_champion(metrics) if "dummy" in metrics and len(metrics) > 1 else None
    champion = results[choice.name].model if choice else next(iter(results.values())).model
    latency = single_row_ms(champion, features_of(holdout))
    test_ids = read_csv_columns(args.source, "application_test", [KEY])[KEY]
    test_rows = features.set_index(KEY).reindex(test_ids.to_numpy())
    timed("batch scores (application_test)", lambda: champion.predict_proba(test_rows))
    truth = evaluation.truth_file(args.source)
    oracle = (
        evaluation.oracle_figures(pd.read_csv(truth), holdout.index, holdout[TARGET].to_numpy())
        if truth
        else {}
    )

    print("\ncandidate            cv_auc        holdout_auc  cost    threshold  brier(raw->cal)")
    for name, m in metrics.items():
        print(
            f"{name:<20} {m['cv_auc_mean']:.4f}±{m['cv_auc_std']:.4f}  {m['holdout_auc']:.4f}"
            f"       {m['business_cost']:.4f}  {m['threshold']:.4f}     "
            f"{m['brier_uncalibrated']:.4f} -> {m['brier']:.4f}"
        )
    if oracle:
        print(
            f"oracle               -              {oracle['oracle_auc']:.4f}"
            f"       {oracle['oracle_business_cost']:.4f}  {1 / 11:.4f}"
        )
    if resampling:
        print("\nresampling (OOF)  cv_auc   cost    brier   fit_s")
        for strategy, m in resampling.items():
            print(
                f"{strategy:<16}  {m['cv_auc_mean']:.4f}   {m['business_cost']:.4f}  "
                f"{m['brier']:.4f}  {m['fit_seconds']:.1f}"
            )
    if choice:
        print(
            f"\nchampion {choice.name}: cost {choice.business_cost:.4f}"
            f" ({choice.cost_reduction:.1%} below dummy), beats dummy {choice.beats_baseline},"
            f" leakage alarm {choice.leakage_alarm}, single-row predict {latency:.3f} ms"
        )
        if oracle:
            m = metrics[choice.name]
            print(
                f"vs oracle: AUC gap {oracle['oracle_auc'] - m['holdout_auc']:+.4f},"
                f" cost ratio {m['business_cost'] / oracle['oracle_business_cost']:.3f}"
            )
    print(f"total {sum(TIMES.values()):.1f} s")
    if args.json:
        document = {
            "metrics": metrics,
            "oracle": oracle,
            "resampling": resampling,
            "champion": choice.as_dict() if choice else None,
            "single_row_ms": latency,
            "times": TIMES,
        }
        args.json.write_text(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
