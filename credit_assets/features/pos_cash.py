"""POS and cash loan monthly balances: months on book, days past due, contract states."""

from __future__ import annotations

from functools import cache

import polars as pl

from credit_assets.features.categories import POS_CASH_STATUS
from credit_assets.features.common import KEY, collected, encode_categories, sorted_rows
from credit_assets.features.expressions import Stages, col, is_value, ratio, when, with_stages
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
    used = pos_cash.select(KEY, LOAN_KEY, *NUMERIC, "CNT_INSTALMENT_FUTURE", *STATUSES)
    months = sorted_rows(used.with_columns(encode_categories(STATUSES)), KEY)
    clients = summarise(with_stages(months, month_features()), specs(), STATUSES, "POS")
    return collected(with_stages(clients, client_ratios()))


@cache
def month_features() -> Stages:
    """Late months, the last year's days past due and instalments left, completed loans."""
    recent = col("MONTHS_BALANCE") >= -RECENT_MONTHS
    return (
        {
            "LATE": col("SK_DPD") > 0,
            "LATE_DEF": col("SK_DPD_DEF") > 0,
            "SK_DPD_RECENT": when(recent, col("SK_DPD")),
            "CNT_INSTALMENT_FUTURE_RECENT": when(recent, col("CNT_INSTALMENT_FUTURE")),
            "COMPLETED_LOAN": when(
                is_value(STATUSES, "NAME_CONTRACT_STATUS", "Completed"), col(LOAN_KEY)
            ),
        },
    )


@cache
def client_ratios() -> Stages:
    completed = ratio(col("POS_COMPLETED_LOAN_COUNT"), col("POS_LOAN_COUNT"))
    return ({"POS_COMPLETED_SHARE": completed},)


@cache
def specs() -> tuple[Agg, ...]:
    """The recipe's aggregates, late shares, recent days past due, months, loans and completed
    loans."""
    return (
        *aggs(NUMERIC, "POS"),
        *aggs(EXTRA, "POS"),
        Agg("POS_COUNT", KEY, "size"),
        Agg("POS_LOAN_COUNT", LOAN_KEY, "nunique"),
        Agg("POS_COMPLETED_LOAN_COUNT", "COMPLETED_LOAN", "nunique"),
    )
