"""One candidate trained as the pipeline trains it, with its defaults and with some changed.

Usage:
    python benchmarks/candidate_settings.py TRAINING_DIR CANDIDATE [KEY=JSON ...] [--folds 5]
        [--changed-only] [--feature-set history|application_only]

TRAINING_DIR holds the ``training_set``, ``balanced_training_set`` and ``holdout_set`` Arrow
files a ``make pipeline`` run wrote (``DATA_DIR/training``). The candidate is tuned (first trial
only: its defaults), calibrated, thresholded and refitted by ``train_candidate``, as the asset
does, once with its defaults and once with every ``KEY=JSON`` replacing a default (all of them
together, for example ``max_samples=null`` or ``bags=3``); each line gives the seconds and the
figures the evaluation report holds: CV, out-of-fold and holdout AUC, cross-fitted and holdout
business cost. ``--changed-only`` skips the defaults' run (when an earlier run printed it).
The defaults shown are the family's; from ``LARGE_DATA_ROWS`` training clients on, the
candidate's large-data settings apply on top of them (and from ``WIDE_DATA_COLUMNS`` features on,
its wide-data ones), as in the pipeline, and the changes on top of all.
``--feature-set application_only`` trains on the application's columns alone, as the
application-only candidates do.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from credit_assets.features.feature_sets import FEATURE_SETS, FeatureSet
from credit_assets.models.candidates import CANDIDATES, Candidate
from credit_assets.models.data import for_feature_set
from credit_assets.models.train import TrainingSettings, train_candidate

FRAMES = ("training_set", "balanced_training_set", "holdout_set")


def figures(
    candidate: Candidate, frames: list[pd.DataFrame], folds: int, feature_set: FeatureSet
) -> str:
    settings = TrainingSettings(n_trials=1, folds=folds, large_data_folds=folds)
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        train, balanced, holdout = frames
        result = train_candidate(
            candidate,
            train,
            balanced,
            holdout,
            Path(scratch) / "study.db",
            settings,
            "b" * 64,
            feature_set=feature_set,
        )
        seconds = time.perf_counter() - start
    m = result.metrics
    return (
        f"{seconds:6.1f} s  CV AUC {m['cv_auc_mean']:.5f}  OOF AUC {m['oof_auc']:.5f}  holdout"
        f" AUC {m['holdout_auc']:.5f}  OOF cost {m['oof_business_cost']:.4f}  holdout cost"
        f" {m['business_cost']:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("training_dir", type=Path)
    parser.add_argument("candidate", choices=sorted(CANDIDATES))
    parser.add_argument("changes", nargs="*", help="KEY=JSON replacing a default")
    parser.add_argument("--folds", type=int, default=TrainingSettings().folds)
    parser.add_argument("--changed-only", action="store_true", help="skip the defaults' run")
    parser.add_argument("--feature-set", choices=FEATURE_SETS, default="history")
    args = parser.parse_args()
    frames = [
        for_feature_set(pd.read_feather(args.training_dir / f"{name}.arrow"), args.feature_set)
        for name in FRAMES
    ]
    candidate = CANDIDATES[args.candidate]
    changed: dict[str, Any] = {}
    for change in args.changes:
        key, _, value = change.partition("=")
        changed[key] = json.loads(value)
    print(
        f"{candidate.name} ({args.feature_set}), {args.folds} folds,"
        f" {len(frames[0])} training clients, {frames[0].shape[1] - 1} columns"
    )
    if not args.changed_only:
        found = figures(candidate, frames, args.folds, args.feature_set)
        print(f"  defaults {candidate.defaults}: {found}")
    if changed:
        # A change wins over the large- and wide-data settings too.
        large = {k: v for k, v in candidate.large_data.items() if k not in changed}
        wide = {k: v for k, v in candidate.wide_data.items() if k not in changed}
        other = replace(
            candidate, defaults=candidate.defaults | changed, large_data=large, wide_data=wide
        )
        print(f"  with {changed}: {figures(other, frames, args.folds, args.feature_set)}")


if __name__ == "__main__":
    main()
