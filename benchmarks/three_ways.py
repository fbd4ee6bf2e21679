"""Do scores mean the same whichever way a client arrives? Test clients scored three ways.

Usage:
    BENTOML_HOME=DATA/bentoml python benchmarks/three_ways.py DATA [--clients 600] [--seed 0]

``DATA`` is a folder `make pipeline DATA_DIR=DATA` filled (its lake: raw Parquet tables) on
generated data, whose ``demo/_truth`` (or ``HOME_CREDIT_DATA``'s) holds every client's true
probability of default. The script loads the served bundle (``credit_scoring_champion:latest`` of
``BENTOML_HOME``) with the service's own ``Scorer`` and, for ``--clients`` random
``application_test`` clients (none of whom any model trained on) who give every required
application field, scores each:

1. by id (``{"sk_id_curr": ...}``: their stored feature row, history champion);
2. as a new application with their credit history (``{"application", "history"}``: the rows the
   data folder holds for them, features computed by the pipeline's code, history champion);
3. as a new application alone (``{"application"}``: the application-only champion).

It prints, for each way, the mean probability beside the mean true probability of the same
clients and the share refused, and the largest difference between ways 1 and 2 (should be 0 to
1e-6). Every request goes through the API's request models (validation included).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from credit_assets.features.common import KEY
from credit_assets.features.history import given, history_of
from credit_assets.kaggle import SIDE_TABLES
from credit_assets.models.evaluation import TRUTH_FILE
from credit_assets.serving.packaging import MODEL_NAME
from credit_assets.serving.schemas import REQUIRED_FIELDS, PredictRequest
from credit_assets.serving.scorer import Scorer


def load_scorer() -> Scorer:
    import bentoml

    model = bentoml.models.get(f"{MODEL_NAME}:latest")
    return Scorer.load(Path(model.path), bento_model=str(model.tag))


def raw_tables(lake: Path) -> dict[str, pl.DataFrame]:
    tables = ("application_test", *SIDE_TABLES)
    return {t: pl.read_parquet(lake / "raw" / f"{t}.parquet") for t in tables}


def truth(data: Path) -> pd.Series:
    """Every generated client's true probability of default."""
    location = os.environ.get("HOME_CREDIT_DATA")
    folders = [Path(location)] if location else []
    folders += [data / "demo"]
    for folder in folders:
        path = (folder if folder.is_dir() else folder.parent) / TRUTH_FILE
        if path.is_file():
            table = pd.read_csv(path)
            return pd.Series(table["probability"].to_numpy(), index=table["SK_ID_CURR"])
    sys.exit(f"no {TRUTH_FILE} under {folders}: the three ways need generated data")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("data", type=Path, help="the DATA_DIR of a `make pipeline` run")
    parser.add_argument("--clients", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scorer = load_scorer()
    raw = raw_tables(args.data)
    # Only clients who give every field an application must give can apply as a new applicant.
    test = raw["application_test"].drop_nulls(list(REQUIRED_FIELDS))
    ids = test.sample(min(args.clients, test.height), seed=args.seed).get_column(KEY).to_list()
    applications = {
        r[KEY]: given(r) for r in test.filter(pl.col(KEY).is_in(ids)).iter_rows(named=True)
    }
    answers: dict[str, list[Any]] = {
        "by id": [],
        "application + history": [],
        "application only": [],
    }
    for sk_id in ids:
        application = applications[sk_id]
        requests = {
            "by id": {"sk_id_curr": sk_id},
            "application + history": {
                "application": application,
                "history": history_of(raw, sk_id),
            },
            "application only": {"application": application},
        }
        for way, body in requests.items():
            answers[way].append(scorer.predict(PredictRequest.model_validate(body)))
    true_p = truth(args.data).reindex(ids).to_numpy()
    print(f"{len(ids)} application_test clients ({scorer.card.data_kind} data)")
    print(f"mean true probability of default: {np.mean(true_p):.4f}")
    print("| way | scored on | mean probability | ratio to truth | refused |")
    print("|---|---|---|---|---|")
    for way, found in answers.items():
        p = np.array([a.probability for a in found])
        refused = np.mean([a.decision == "refused" for a in found])
        kinds = ", ".join(sorted({a.scored_on for a in found}))
        print(
            f"| {way} | {kinds} | {p.mean():.4f} | {p.mean() / np.mean(true_p):.3f}"
            f" | {refused:.1%} |"
        )
    by_id = np.array([a.probability for a in answers["by id"]])
    with_history = np.array([a.probability for a in answers["application + history"]])
    print(f"largest |by id - application + history|: {np.max(np.abs(by_id - with_history)):.2e}")


if __name__ == "__main__":
    main()
