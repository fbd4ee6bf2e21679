"""Decisions by group of clients: approval, missed defaults and wrongful refusals, with intervals.

The groups come from the raw application table, joined on ``SK_ID_CURR``, never from the model's
features: a protected attribute such as ``CODE_GENDER`` is not a model input, yet its groups must
stay monitored. Per group: clients, approval rate, false-negative rate (defaulters accepted) and
false-positive rate (good clients refused), each with a Wilson 95 % interval, and the approval
rate as a ratio of the most approved group's. Counts per group come from fairlearn's
``MetricFrame``. A group too small for its rates to mean anything is kept and flagged, never
dropped: a reader must see that the group exists and was not judged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame
from numpy.typing import ArrayLike

from credit_assets.models.data import KEY
from credit_assets.models.evaluation import age_band
from credit_assets.models.intervals import wilson

GROUP_SOURCE_COLUMNS = (KEY, "CODE_GENDER", "DAYS_BIRTH", "NAME_FAMILY_STATUS")
"""What to read from ``application_train`` to form the groups."""
MIN_CLIENTS = 100
MIN_DEFAULTERS = 30
"""Below either, a group is "too small to judge": with fewer than 30 defaulters a false-negative
rate's 95 % interval spans about 30 points, too wide to compare groups."""
FOUR_FIFTHS = 0.8
"""An approval-rate ratio below this is the usual adverse-impact signal (the four-fifths rule)."""
MISSING = "missing"
TOO_SMALL = "too small to judge"


def group_labels(raw: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """One row per client of ``ids`` (same order): gender, age band and family status as text,
    ``missing`` where the raw value is absent.

    Args:
        raw: The raw application rows, with ``GROUP_SOURCE_COLUMNS``.
        ids: The clients to label (``SK_ID_CURR``), e.g. the holdout's index.

    Raises:
        ValueError: if a column is absent, a client is duplicated or a client of ``ids`` has no
            raw row.
    """
    absent = [c for c in GROUP_SOURCE_COLUMNS if c not in raw.columns]
    if absent:
        raise ValueError(f"the raw application table lacks the group column(s) {absent}")
    if raw[KEY].duplicated().any():
        raise ValueError(f"duplicated {KEY} in the raw application table")
    unknown = ~ids.isin(raw[KEY])
    if unknown.any():
        raise ValueError(
            f"{int(unknown.sum())} client(s) have no row in the raw application table"
            f" (e.g. {list(ids[unknown][:3])})"
        )
    rows = raw.set_index(KEY).reindex(ids)
    labels = pd.DataFrame(
        {
            "CODE_GENDER": rows["CODE_GENDER"],
            "age_band": age_band(rows.loc[:, ["DAYS_BIRTH"]]),
            "NAME_FAMILY_STATUS": rows["NAME_FAMILY_STATUS"],
        },
        index=ids,
    )
    return labels.astype("object").where(labels.notna(), MISSING).astype(str)


def _clients(y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike) -> int:
    return int(np.sum(sample_weight))


def _defaulters(y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike) -> int:
    return int(np.sum(np.asarray(sample_weight) * (np.asarray(y_true) == 1)))


def _refused(y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike) -> int:
    return int(np.sum(np.asarray(sample_weight) * (np.asarray(y_pred) == 1)))


def _missed(y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike) -> int:
    missed = (np.asarray(y_true) == 1) & (np.asarray(y_pred) == 0)
    return int(np.sum(np.asarray(sample_weight) * missed))


def _wrongly_refused(y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike) -> int:
    wrong = (np.asarray(y_true) == 0) & (np.asarray(y_pred) == 1)
    return int(np.sum(np.asarray(sample_weight) * wrong))


COUNTS = {
    "clients": _clients,
    "defaulters": _defaulters,
    "refused": _refused,
    "missed_defaults": _missed,
    "wrongly_refused": _wrongly_refused,
}


def _cells(y: ArrayLike, refused: ArrayLike, labels: pd.Series) -> pd.DataFrame:
    """One row per (group, label, decision) with its number of clients.

    ``MetricFrame`` then weighs these few rows instead of reading every client: it converts its
    inputs element by element (three groupings of 6,150 clients, on a busy two-core machine:
    5.5 s client by client, 1.0 s on the cells)."""
    frame = pd.DataFrame(
        {"group": labels.to_numpy(), "y": np.asarray(y).astype(int), "refused": refused}
    )
    return frame.value_counts(["group", "y", "refused"], sort=False).reset_index(name="n")


def group_table(
    y: ArrayLike,
    refused: ArrayLike,
    labels: pd.Series,
    min_clients: int = MIN_CLIENTS,
    min_defaulters: int = MIN_DEFAULTERS,
) -> list[dict[str, Any]]:
    """Per group of ``labels``: counts, the three rates with their intervals, the approval ratio.

    The ratio divides by the approval rate of the most approved group among those large enough
    to judge (a tiny group approved at 100 % by chance must not set the bar); when none is large
    enough, among all groups.
    """
    cells = _cells(y, np.asarray(refused).astype(int), labels)
    frame = MetricFrame(
        metrics=COUNTS,
        y_true=cells["y"].to_numpy(),
        y_pred=cells["refused"].to_numpy(),
        sensitive_features=cells["group"].to_numpy(),
        sample_params={name: {"sample_weight": cells["n"].to_numpy()} for name in COUNTS},
    )
    counts = pd.DataFrame(frame.by_group).astype(int)
    accepted = counts["clients"] - counts["refused"]
    good = counts["clients"] - counts["defaulters"]
    approval_low, approval_high = wilson(accepted, counts["clients"])
    fnr_low, fnr_high = wilson(counts["missed_defaults"], counts["defaulters"])
    fpr_low, fpr_high = wilson(counts["wrongly_refused"], good)
    approval = accepted / counts["clients"]
    judged = (counts["clients"] >= min_clients) & (counts["defaulters"] >= min_defaulters)
    reference = approval[judged].max() if judged.any() else approval.max()
    rows = []
    for i, group in enumerate(counts.index):
        c = counts.loc[group]
        ratio = float(approval.iloc[i] / reference) if reference > 0 else None
        rows.append(
            {
                "group": str(group),
                **{k: int(v) for k, v in c.items()},
                "approval_rate": float(approval.iloc[i]),
                "approval_rate_ci": [float(approval_low[i]), float(approval_high[i])],
                "false_negative_rate": _rate(c["missed_defaults"], c["defaulters"]),
                "false_negative_rate_ci": [float(fnr_low[i]), float(fnr_high[i])],
                "false_positive_rate": _rate(c["wrongly_refused"], int(good.iloc[i])),
                "false_positive_rate_ci": [float(fpr_low[i]), float(fpr_high[i])],
                "approval_ratio_to_most_approved": ratio,
                "below_four_fifths": bool(
                    judged.iloc[i] and ratio is not None and ratio < FOUR_FIFTHS
                ),
                "judged": bool(judged.iloc[i]),
                "flag": "" if judged.iloc[i] else TOO_SMALL,
            }
        )
    return rows


def fairness(
    y: ArrayLike,
    proba: ArrayLike,
    threshold: float,
    labels: pd.DataFrame,
    min_clients: int = MIN_CLIENTS,
    min_defaulters: int = MIN_DEFAULTERS,
) -> dict[str, Any]:
    """The group table of every grouping in ``labels`` (see :func:`group_labels`), for clients
    refused when ``proba >= threshold``."""
    refused = np.asarray(proba, dtype=np.float64) >= threshold
    if len(labels) != len(refused):
        raise ValueError(f"{len(labels)} group rows for {len(refused)} scored clients")
    return {
        "min_clients": min_clients,
        "min_defaulters": min_defaulters,
        "groupings": {
            str(name): group_table(y, refused, column, min_clients, min_defaulters)
            for name, column in labels.items()
        },
    }


def _rate(numerator: int, denominator: int) -> float | None:
    """A rate, or ``None`` (JSON null) when no client is in the denominator."""
    return float(numerator / denominator) if denominator else None
