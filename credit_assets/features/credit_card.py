"""Home Credit credit cards, month by month: balances, utilisation, drawings, minimum payments."""

from __future__ import annotations

from typing import TypeVar

import polars as pl

from credit_assets.features.categories import CREDIT_CARD_STATUS
from credit_assets.features.common import KEY, collected, encode_categories, ratio, sorted_rows
from credit_assets.features.summary import Agg, aggs, summarise
from credit_assets.kaggle import schema

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

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


def with_row_features(credit_card: Frame) -> Frame:
    """Utilisation (overall and in the last 3 and 12 months), drawings over the limit, payment
    over the minimum, below-minimum and late months."""
    limit, minimum = pl.col("AMT_CREDIT_LIMIT_ACTUAL"), pl.col("AMT_INST_MIN_REGULARITY")
    paid = pl.col("AMT_PAYMENT_TOTAL_CURRENT")
    rows = credit_card.with_columns(
        ratio(pl.col("AMT_BALANCE"), limit).alias("UTILISATION"),
        ratio(pl.col("AMT_DRAWINGS_CURRENT"), limit).alias("DRAWINGS_LIMIT_RATIO"),
        ratio(paid, minimum).alias("PAYMENT_MIN_RATIO"),
        pl.when(minimum > 0).then(paid.fill_null(0) < minimum).alias("BELOW_MIN_PAYMENT"),
        (pl.col("SK_DPD") > 0).alias("LATE"),
    )
    return rows.with_columns(
        pl.when(pl.col("MONTHS_BALANCE") >= -months)
        .then(pl.col("UTILISATION"))
        .alias(f"UTILISATION_{months}M")
        for months in RECENT_MONTHS
    )


def credit_card_features(credit_card: pl.LazyFrame) -> pl.DataFrame:
    """One row per client with credit cards: the recipe's five-way aggregates plus behaviour."""
    encoded = sorted_rows(credit_card.with_columns(encode_categories(STATUSES)), KEY)
    rows = collected(with_row_features(encoded.lazy()))
    specs = [
        *aggs({c: AGGREGATIONS for c in numeric_columns()}, "CC"),
        *aggs(EXTRA, "CC"),
        Agg("CC_COUNT", KEY, "size"),
        Agg("CC_CARD_COUNT", "SK_ID_PREV", "nunique"),
    ]
    clients = summarise(rows, specs, STATUSES, "CC", AGGREGATIONS)
    atm = ratio(pl.col("CC_AMT_DRAWINGS_ATM_CURRENT_SUM"), pl.col("CC_AMT_DRAWINGS_CURRENT_SUM"))
    return collected(clients.with_columns(atm.alias("CC_ATM_DRAWINGS_SHARE")))
