"""Credit history rows: bureau, previous applications and their monthly tables.

Every client has a behaviour factor, partly shared with the application risk. Each side table's
rows draw their columns from the table's fitted copula, with the table's risk columns (overdue
days and amounts, refused applications, late or short payments, card balance) tilted by the
client's factor. The realised behaviour, scored the way a reader of the files can score it, then
enters the client's true probability of default (see :mod:`credit_assets.synth.generate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from credit_assets.synth.marginals import TableModel

# Rows per client (per bureau record for bureau_balance) in the full Kaggle data.
ROWS_PER_CLIENT = {
    "bureau": 1_716_428 / 356_255,
    "previous_application": 1_670_214 / 356_255,
    "POS_CASH_balance": 10_001_358 / 356_255,
    "credit_card_balance": 3_840_312 / 356_255,
    "installments_payments": 13_605_401 / 356_255,
}
BALANCE_ROWS_PER_BUREAU = 27_299_925 / 1_716_428
SHARE_WITH_BUREAU = 0.86
SHARE_WITH_PREVIOUS = 0.95
# Share of bureau records that have monthly balances (817,395 of 1,716,428).
SHARE_BUREAU_WITH_BALANCE = 817_395 / 1_716_428
DAYS_PER_MONTH = 30.4375

# The behaviour each table reveals: weights on copula variables (higher = riskier).
RISK_DIRECTIONS: dict[str, dict[str, float]] = {
    "bureau": {"CREDIT_DAY_OVERDUE": 1.0, "AMT_CREDIT_MAX_OVERDUE": 1.0, "CREDIT_ACTIVE": 0.5},
    "bureau_balance": {"STATUS": 1.0},
    "previous_application": {"NAME_CONTRACT_STATUS": 1.0},
    "POS_CASH_balance": {"SK_DPD": 1.0, "SK_DPD_DEF": 1.0},
    "installments_payments": {"PAYMENT_DELAY": 1.0, "PAYMENT_RATIO": -1.0},
    "credit_card_balance": {"AMT_BALANCE": 1.0, "SK_DPD": 0.5},
}


@dataclass(frozen=True)
class Behaviour:
    """How strongly a client's behaviour factor shows in each table (tuned to the real lift)."""

    shared_with_application: float = 0.45
    loading: float = 0.55


@cache
def model(table: str) -> TableModel:
    return TableModel(table)


@dataclass
class TableRows:
    """Generated rows of one side table: column arrays plus the owner of each row."""

    columns: dict[str, np.ndarray]
    owner: np.ndarray  # index of the client (within the chunk) owning each row
    score: np.ndarray  # observed behaviour score of each row


def counts(rng: np.random.Generator, n: int, mean: float, share_any: float) -> np.ndarray:
    """Records per parent: none for some, else 1 + negative binomial with the right mean."""
    extra = max(mean / share_any - 1, 1e-6)
    dispersion = 1.5
    draws = 1 + rng.negative_binomial(dispersion, dispersion / (dispersion + extra), n)
    return np.where(rng.random(n) < share_any, draws, 0)


def draw_rows(
    rng: np.random.Generator, table: str, owner: np.ndarray, factor: np.ndarray, loading: float
) -> TableRows:
    """Rows of ``table`` for the given owners, tilted by each owner's behaviour factor."""
    tm = model(table)
    direction = RISK_DIRECTIONS[table]
    z = tm.latent(rng, len(owner), risk=factor[owner], direction=direction, loading=loading)
    columns = tm.sample(rng, z)
    design = tm.design(z, columns)
    weights = np.zeros(len(tm.variables))
    for name, weight in direction.items():
        weights[tm.index[name]] = weight
    score = design @ weights
    return TableRows(columns, owner, score)


def month_runs(
    rng: np.random.Generator, first_month: np.ndarray, mean_length: float, last: int
) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive months per parent starting at ``first_month``: (parent index, month)."""
    extra = max(mean_length - 1, 1e-6)
    length = 1 + rng.negative_binomial(1.2, 1.2 / (1.2 + extra), len(first_month))
    # A run that would pass the last month starts earlier instead (within the 96-month window).
    start = np.maximum(np.minimum(first_month, last - length + 1), -96)
    length = np.minimum(length, last - start + 1)
    parent = np.repeat(np.arange(len(first_month)), length)
    starts = np.repeat(np.cumsum(length) - length, length)
    month = start[parent] + (np.arange(len(parent)) - starts)
    return parent, month


def client_means(rows: TableRows, n_clients: int) -> np.ndarray:
    """Mean behaviour score per client (0 for clients without rows)."""
    total = np.bincount(rows.owner, weights=rows.score, minlength=n_clients)
    seen = np.bincount(rows.owner, minlength=n_clients)
    return np.where(seen > 0, total / np.maximum(seen, 1), 0.0)


def months_ago(days: np.ndarray, lowest: int, highest: int) -> np.ndarray:
    """Month index (negative) of a DAYS_* value, clipped to the tables' window."""
    return np.clip(np.round(np.nan_to_num(days, nan=-365) / DAYS_PER_MONTH), lowest, highest)


def generate_history(
    rng: np.random.Generator, n: int, factor: np.ndarray, behaviour: Behaviour
) -> dict[str, TableRows]:
    """Every side table's rows for ``n`` clients with behaviour ``factor``."""
    w = behaviour.loading
    out: dict[str, TableRows] = {}
    n_bureau = counts(rng, n, ROWS_PER_CLIENT["bureau"], SHARE_WITH_BUREAU)
    bureau = draw_rows(rng, "bureau", np.repeat(np.arange(n), n_bureau), factor, w)
    out["bureau"] = bureau

    has_balance = rng.random(len(bureau.owner)) < SHARE_BUREAU_WITH_BALANCE
    record = np.flatnonzero(has_balance)
    first = months_ago(bureau.columns["DAYS_CREDIT"][record], -96, 0).astype(np.int64)
    parent, month = month_runs(
        rng, first, BALANCE_ROWS_PER_BUREAU / SHARE_BUREAU_WITH_BALANCE, last=0
    )
    balance = draw_rows(rng, "bureau_balance", bureau.owner[record[parent]], factor, w)
    balance.columns["MONTHS_BALANCE"] = month.astype(float)
    balance.columns["_parent"] = record[parent]
    out["bureau_balance"] = balance

    n_prev = counts(rng, n, ROWS_PER_CLIENT["previous_application"], SHARE_WITH_PREVIOUS)
    prev = draw_rows(rng, "previous_application", np.repeat(np.arange(n), n_prev), factor, w)
    out["previous_application"] = prev

    status = prev.columns["NAME_CONTRACT_STATUS"]
    approved = status == model("previous_application").columns["NAME_CONTRACT_STATUS"].spec[
        "levels"
    ].index("Approved")
    kind = prev.columns["NAME_CONTRACT_TYPE"]
    revolving_code = (
        model("previous_application")
        .columns["NAME_CONTRACT_TYPE"]
        .spec["levels"]
        .index("Revolving loans")
    )
    decided = months_ago(prev.columns["DAYS_DECISION"], -96, -1).astype(np.int64)
    for table, parents in (
        ("POS_CASH_balance", np.flatnonzero(approved & (kind != revolving_code))),
        ("credit_card_balance", np.flatnonzero(approved & (kind == revolving_code))),
        ("installments_payments", np.flatnonzero(approved)),
    ):
        mean_length = ROWS_PER_CLIENT[table] * n / max(len(parents), 1)
        if table == "installments_payments":
            length = counts(rng, len(parents), mean_length, 1.0)
            parent = np.repeat(np.arange(len(parents)), length)
            rows = draw_rows(rng, table, prev.owner[parents[parent]], factor, w)
        else:
            parent, month = month_runs(rng, decided[parents], mean_length, last=-1)
            rows = draw_rows(rng, table, prev.owner[parents[parent]], factor, w)
            rows.columns["MONTHS_BALANCE"] = month.astype(float)
        rows.columns["_parent"] = parents[parent]
        out[table] = rows
    return out
