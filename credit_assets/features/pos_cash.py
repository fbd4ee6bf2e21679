"""POS and cash loan monthly balances: months on book, days past due, contract states."""

from __future__ import annotations

import polars as pl

from credit_assets.features.categories import POS_CASH_STATUS
from credit_assets.features.common import (
    KEY,
    collected,
    encode_categories,
    is_value,
    ratio,
    sorted_rows,
)
from credit_assets.features.summary import Agg, aggs, summarise

LOAN_KEY = "SK_ID_PREV"
RECENT_MONTHS = 12
STATUSES = {"NAME_CONTRACT_STATUS": POS_CASH_STATUS}

NUMERIC = {
    "MONTHS_BALANCE": ["max", "mean"],
    "SK_DPD": ["max", "mean"],
    "SK_DPD_DEF": ["max", "mean"],
}
EXTRA = {
    "LATE": ["mean"],
    "LATE_DEF": ["mean"],
    "SK_DPD_RECENT": ["max", "mean"],
    "CNT_INSTALMENT_FUTURE_RECENT": ["mean", "min"],
}


def pos_cash_features(pos_cash: pl.LazyFrame) -> pl.DataFrame:
    """One row per client with POS/cash balances: the recipe's aggregates plus loans, completed
    loans, shares of late months and the last year's days past due and instalments left."""
    recent = pl.col("MONTHS_BALANCE") >= -RECENT_MONTHS
    used = pos_cash.select(KEY, LOAN_KEY, *NUMERIC, "CNT_INSTALMENT_FUTURE", *STATUSES)
    months = sorted_rows(used.with_columns(encode_categories(STATUSES)), KEY).with_columns(
        (pl.col("SK_DPD") > 0).alias("LATE"),
        (pl.col("SK_DPD_DEF") > 0).alias("LATE_DEF"),
        pl.when(recent).then(pl.col("SK_DPD")).alias("SK_DPD_RECENT"),
        pl.when(recent).then(pl.col("CNT_INSTALMENT_FUTURE")).alias("CNT_INSTALMENT_FUTURE_RECENT"),
        pl.when(is_value(STATUSES, "NAME_CONTRACT_STATUS", "Completed"))
        .then(pl.col(LOAN_KEY))
        .alias("COMPLETED_LOAN"),
    )
    specs = [
        *aggs(NUMERIC, "POS"),
        *aggs(EXTRA, "POS"),
        Agg("POS_COUNT", KEY, "size"),
        Agg("POS_LOAN_COUNT", LOAN_KEY, "nunique"),
        Agg("POS_COMPLETED_LOAN_COUNT", "COMPLETED_LOAN", "nunique"),
    ]
    clients = summarise(months, specs, STATUSES, "POS")
    completed = ratio(pl.col("POS_COMPLETED_LOAN_COUNT"), pl.col("POS_LOAN_COUNT"))
    return collected(clients.with_columns(completed.alias("POS_COMPLETED_SHARE")))
