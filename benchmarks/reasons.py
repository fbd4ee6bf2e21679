"""Measure the reasons the served champion gives, on clients it did not learn from.

    .venv/bin/python benchmarks/reasons.py BENTOML_HOME_or_bundle_folder [--clients 500]

Takes ``--clients`` known clients outside the champion's training ids (the generated test and
holdout clients) and prints, per reason group: the mean contribution (goal: within 0.05 of zero)
as served and as the model alone measures it (without ``contribution_means``), the share of
clients whose largest push towards refusal it is (goal: no group above half), and whether every
refused client has 1 to 4 reason codes whose grouped contributions are positive. Then the cost
of the reasons: a refused client's ``predict_ids`` against an accepted one's, one at a time.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from credit_assets.serving import bundle
from credit_assets.serving.reasons import MAX_REASONS
from credit_assets.serving.refusals import ModelReasons
from credit_assets.serving.scorer import Scorer


def bundle_folder(given: Path) -> Path:
    """The bundle itself, or the latest champion's bundle in a BentoML home."""
    if (given / bundle.MODEL_FILE).exists():
        return given
    os.environ["BENTOML_HOME"] = str(given)
    import bentoml

    from credit_assets.serving.packaging import MODEL_NAME

    return Path(bentoml.models.get(f"{MODEL_NAME}:latest").path)


def unseen_clients(scorer: Scorer, count: int, seed: int) -> list[int]:
    """``count`` known clients the champion did not learn from, drawn at random."""
    known = scorer.clients.features.index.to_numpy()
    trained = scorer.model.training_ids
    unseen = known if trained is None else np.setdiff1d(known, trained)
    rng = np.random.default_rng(seed)
    return [int(i) for i in rng.choice(unseen, size=min(count, len(unseen)), replace=False)]


def per_call_ms(scorer: Scorer, ids: list[int], repeats: int = 3) -> float:
    """Median milliseconds of ``predict_ids`` for one client, over ``ids``."""
    times = []
    for _ in range(repeats):
        for sk_id in ids:
            start = time.perf_counter()
            scorer.predict_ids([sk_id])
            times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("home", type=Path, help="a BENTOML_HOME or a bundle folder")
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scorer = Scorer.load(bundle_folder(args.home))
    model = scorer.model
    ids = unseen_clients(scorer, args.clients, args.seed)
    frame = scorer.known_features(ids)
    predictions = scorer.predict_ids(ids)
    reasons = ModelReasons(model)
    _, totals = reasons.grouped(frame)
    raw = ModelReasons(replace(model, contribution_means=None))
    _, uncentred = raw.grouped(frame)
    groups = reasons.grouping.groups
    eligible = np.where(reasons.grouping.refusal & (totals > 0), totals, 0.0)
    top = np.where(eligible.max(axis=1) > 0, eligible.argmax(axis=1), -1)

    print(f"model {model.version} ({model.name}), {len(ids)} clients it did not learn from")
    print(f"centred on the training clients: {model.contribution_means is not None}")
    print(f"{'code':5} {'title':48} {'mean':>8} {'uncentred':>10} {'top share':>10}")
    for g, group in enumerate(groups):
        share = float(np.mean(top == g))
        print(
            f"{group.code:5} {group.title[:48]:48} {totals[:, g].mean():+8.3f}"
            f" {uncentred[:, g].mean():+10.3f} {share:10.1%}"
        )
    worst = float(np.abs(totals.mean(axis=0)).max())
    shares = pd.Series(top[top >= 0]).value_counts(normalize=True)
    print(f"largest |mean group contribution|: {worst:.3f} (goal <= 0.05)")
    print(f"largest |mean| without centring: {float(np.abs(uncentred.mean(axis=0)).max()):.3f}")
    print(f"largest top-reason share: {float(shares.max()) if len(shares) else 0.0:.1%}")

    position = {group.code: g for g, group in enumerate(groups)}
    refused = [i for i, p in enumerate(predictions) if p.decision == "refused"]
    well_formed = 0
    for i in refused:
        codes = [c.code for c in predictions[i].reason_codes]
        pushes = [totals[i, position[c]] for c in codes]
        well_formed += 1 <= len(codes) <= MAX_REASONS and all(p > 0 for p in pushes)
    counts = pd.Series([len(predictions[i].reason_codes) for i in refused]).value_counts()
    print(
        f"refused: {len(refused)} of {len(ids)}; with 1 to {MAX_REASONS} positive reason codes: "
        f"{well_formed} of {len(refused)}; codes per refusal: {counts.sort_index().to_dict()}"
    )
    accepted = [ids[i] for i, p in enumerate(predictions) if p.decision == "accepted"][:50]
    refused_ids = [ids[i] for i in refused][:50]
    if refused_ids and accepted:
        with_reasons, without = per_call_ms(scorer, refused_ids), per_call_ms(scorer, accepted)
        print(
            f"predict_ids, one client: refused {with_reasons:.2f} ms, accepted {without:.2f} ms"
            f" (reasons cost {with_reasons - without:.2f} ms a refused client)"
        )
    start = time.perf_counter()
    scorer.predict_ids(ids)
    print(f"predict_ids of all {len(ids)}: {1000 * (time.perf_counter() - start):.1f} ms")


if __name__ == "__main__":
    main()
