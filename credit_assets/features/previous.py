"""Previous Home Credit applications: amounts, decisions, an interest-rate proxy and recency.

Aggregated per client over all applications (``PREV_``), approved ones (``APPROVED_``) and refused
ones (``REFUSED_``). Day columns holding the 365243 sentinel are made missing first.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from credit_assets.features.categories import PREVIOUS
from credit_assets.features.common import KEY, collected, encode_categories, join_all, sorted_rows
from credit_assets.features.expressions import (
    Stages,
    col,
    div,
    is_value,
    ratio,
    sentinel_to_null,
    when,
    with_stages,
)
from credit_assets.features.summary import Agg, aggs, summarise
from credit_assets.kaggle import DAYS_SENTINEL

MONTHS_PER_YEAR = 12
RECENT_DAYS = (365, 730)
SENTINEL_DAYS = (
    "DAYS_FIRST_DRAWING",
    "DAYS_FIRST_DUE",
    "DAYS_LAST_DUE_1ST_VERSION",
    "DAYS_LAST_DUE",
    "DAYS_TERMINATION",
)

# The recipe's numeric aggregates, computed over all, approved and refused applications.
NUMERIC = {
    "AMT_ANNUITY": ["min", "max", "mean"],
    "AMT_APPLICATION": ["min", "max", "mean"],
    "AMT_CREDIT": ["min", "max", "mean"],
    "APP_CREDIT_PERC": ["min", "max", "mean", "var"],
    "AMT_DOWN_PAYMENT": ["min", "max", "mean"],
    "AMT_GOODS_PRICE": ["min", "max", "mean"],
    "HOUR_APPR_PROCESS_START": ["min", "max", "mean"],
    "RATE_DOWN_PAYMENT": ["min", "max", "mean"],
    "DAYS_DECISION": ["min", "max", "mean"],
    "CNT_PAYMENT": ["mean", "sum"],
}
EXTRA = {
    "SIMPLE_RATE": ["min", "max", "mean"],
    "ANNUITY_CREDIT_RATIO": ["mean"],
    "DAYS_LAST_DUE_1ST_VERSION": ["min", "max", "mean"],
    "DAYS_TERMINATION": ["max"],
}
AGGREGATED = {**NUMERIC, **EXTRA}
# The latest application.
LAST = {
    "PREV_LAST_REFUSED": "REFUSED",
    "PREV_LAST_AMT_CREDIT": "AMT_CREDIT",
    "PREV_LAST_SIMPLE_RATE": "SIMPLE_RATE",
    "PREV_LAST_APP_CREDIT_PERC": "APP_CREDIT_PERC",
}


@cache
def row_features() -> Stages:
    """Sentinels to missing, decision flags (categories already encoded), application/credit
    ratio and a simple annual interest-rate proxy solving
    ``annuity * payments = credit * (1 + rate * years)``; loans still being repaid and recent
    decisions.
    """
    annuity, credit, payments = col("AMT_ANNUITY"), col("AMT_CREDIT"), col("CNT_PAYMENT")
    total_paid = ratio(annuity * payments, credit)
    # Approved loans whose first-version last due date is still ahead: being repaid now.
    still_due = col("APPROVED") & (col("DAYS_LAST_DUE_1ST_VERSION") > 0).fill_null(False)
    decided = col("DAYS_DECISION")
    return (
        sentinel_to_null(SENTINEL_DAYS, DAYS_SENTINEL),
        {
            "APPROVED": is_value(PREVIOUS, "NAME_CONTRACT_STATUS", "Approved"),
            "REFUSED": is_value(PREVIOUS, "NAME_CONTRACT_STATUS", "Refused"),
            "APP_CREDIT_PERC": div(col("AMT_APPLICATION"), credit),
            "SIMPLE_RATE": ratio((total_paid - 1) * MONTHS_PER_YEAR, payments),
            "ANNUITY_CREDIT_RATIO": ratio(annuity, credit),
        },
        {
            "STILL_DUE": still_due,
            "DUE_ANNUITY": when(still_due, annuity),
            **{f"RECENT_{d // 365}Y": decided >= -d for d in RECENT_DAYS},
            **{
                f"RECENT_REFUSED_{d // 365}Y": (decided >= -d) & col("REFUSED") for d in RECENT_DAYS
            },
        },
    )


def previous_features(previous: pl.LazyFrame) -> pl.DataFrame:
    """One row per client with previous applications."""
    used = {KEY, "SK_ID_PREV", *NUMERIC, *SENTINEL_DAYS, *PREVIOUS} - {"APP_CREDIT_PERC"}
    encoded = previous.select(sorted(used)).with_columns(encode_categories(PREVIOUS))
    rows = collected(with_stages(sorted_rows(encoded, KEY).lazy(), row_features()))
    overall = summarise(rows, overall_specs(), PREVIOUS, "PREV")
    approved = summarise(rows.filter(pl.col("APPROVED")), aggs(AGGREGATED, "APPROVED"))
    refused = summarise(rows.filter(pl.col("REFUSED")), aggs(AGGREGATED, "REFUSED"))
    return collected(join_all(overall, [approved, refused, _last_application(rows)]))


def _last_application(rows: pl.DataFrame) -> pl.LazyFrame:
    """The latest application of each client (ties broken by SK_ID_PREV).

    Only the few columns needed are re-sorted by decision day, which is much cheaper than
    ordering every row of the table by three keys.
    """
    latest = sorted_rows(
        rows.lazy().select(KEY, "DAYS_DECISION", "SK_ID_PREV", *LAST.values()),
        KEY,
        "DAYS_DECISION",
        "SK_ID_PREV",
    )
    return summarise(latest, last_specs())


@cache
def last_specs() -> tuple[Agg, ...]:
    return tuple(Agg(name, column, "last") for name, column in LAST.items())


@cache
def overall_specs() -> tuple[Agg, ...]:
    return (*aggs(AGGREGATED, "PREV"), *decisions())


@cache
def decisions() -> tuple[Agg, ...]:
    """Counts of applications, approvals, refusals and loans still being repaid, overall and in
    the last one and two years."""
    return (
        Agg("PREV_COUNT", KEY, "size"),
        Agg("PREV_APPROVED_COUNT", "APPROVED", "sum"),
        Agg("PREV_REFUSED_COUNT", "REFUSED", "sum"),
        Agg("PREV_ACTIVE_COUNT", "STILL_DUE", "sum"),
        Agg("PREV_ACTIVE_AMT_ANNUITY_SUM", "DUE_ANNUITY", "sum"),
        *[Agg(f"PREV_COUNT_{d // 365}Y", f"RECENT_{d // 365}Y", "sum") for d in RECENT_DAYS],
        *[
            Agg(f"PREV_REFUSED_COUNT_{d // 365}Y", f"RECENT_REFUSED_{d // 365}Y", "sum")
            for d in RECENT_DAYS
        ],
    )
