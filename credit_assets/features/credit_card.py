"""Home Credit credit cards, month by month: balances, utilisation, drawings, minimum payments."""

from __future__ import annotations

from functools import cache

import polars as pl

from credit_assets.features.categories import CREDIT_CARD_STATUS
from credit_assets.features.common import KEY, collected, encode_categories, sorted_rows
from credit_assets.features.expressions import Stages, col, ratio, when, with_stages
from credit_assets.features.summary import Agg, aggs, summarise
from credit_assets.kaggle import schema

AGGREGATIONS = ("min", "max", "mean", "sum", "var")
RECENT_MONTHS = (3, 12)
STATUSES = {"NAME_CONTRACT_STATUS": CREDIT_CARD_STATUS}
EXTRA = {
    "UTILISATION": ["mean", "max"],
    "UTILISATION_3M": ["mean"],
    "UTILISATION_12M": ["mean"],
    "DRAWINGS_LIMIT_RATIO": ["mean"],
    "PAYMENT_MIN_RATIO": ["mean"],
    "BELOW_MIN_PAYMENT": ["mean"],
    "LATE": ["mean"],
}


def numeric_columns() -> list[str]:
    """Every numeric balance column (the recipe aggregates all of them five ways)."""
    table = schema("credit_card_balance")
    skip = {"SK_ID_PREV", "SK_ID_CURR"}
    return [
        c
        for c, d in zip(table.columns, table.dtypes, strict=True)
        if d != "object" and c not in skip
    ]


@cache
def row_features() -> Stages:
    """Utilisation (overall and in the last 3 and 12 months), drawings over the limit, payment
    over the minimum, below-minimum and late months."""
    limit, minimum = col("AMT_CREDIT_LIMIT_ACTUAL"), col("AMT_INST_MIN_REGULARITY")
    paid = col("AMT_PAYMENT_TOTAL_CURRENT")
    return (
        {
            "UTILISATION": ratio(col("AMT_BALANCE"), limit),
            "DRAWINGS_LIMIT_RATIO": ratio(col("AMT_DRAWINGS_CURRENT"), limit),
            "PAYMENT_MIN_RATIO": ratio(paid, minimum),
            "BELOW_MIN_PAYMENT": when(minimum > 0, paid.fill_null(0) < minimum),
            "LATE": col("SK_DPD") > 0,
        },
        {
            f"UTILISATION_{months}M": when(col("MONTHS_BALANCE") >= -months, col("UTILISATION"))
            for months in RECENT_MONTHS
        },
    )


@cache
def client_ratios() -> Stages:
    atm = ratio(col("CC_AMT_DRAWINGS_ATM_CURRENT_SUM"), col("CC_AMT_DRAWINGS_CURRENT_SUM"))
    return ({"CC_ATM_DRAWINGS_SHARE": atm},)


def credit_card_features(credit_card: pl.LazyFrame) -> pl.DataFrame:
    """One row per client with credit cards: the recipe's five-way aggregates plus behaviour."""
    encoded = sorted_rows(credit_card.with_columns(encode_categories(STATUSES)), KEY)
    rows = collected(with_stages(encoded.lazy(), row_features()))
    clients = summarise(rows, specs(), STATUSES, "CC", AGGREGATIONS)
    return collected(with_stages(clients, client_ratios()))


@cache
def specs() -> tuple[Agg, ...]:
    """Every balance column five ways, the behaviour shares, months and cards."""
    return (
        *aggs({c: AGGREGATIONS for c in numeric_columns()}, "CC"),
        *aggs(EXTRA, "CC"),
        Agg("CC_COUNT", KEY, "size"),
        Agg("CC_CARD_COUNT", "SK_ID_PREV", "nunique"),
    )
