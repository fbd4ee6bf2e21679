"""Credit bureau features: other lenders' credits and their monthly status history.

``bureau_balance`` is first summarised per bureau credit (months on file, status shares, late
months overall and in the last year, worst status), joined to ``bureau``, then aggregated per
client over all credits (``BURO_``), active ones (``ACTIVE_``) and closed ones (``CLOSED_``).
"""

from __future__ import annotations

from functools import cache

import polars as pl

from credit_assets.features.categories import BUREAU, BUREAU_BALANCE_STATUS
from credit_assets.features.common import (
    KEY,
    collected,
    encode_categories,
    is_value,
    join_all,
    ratio,
    safe_name,
    sorted_rows,
)
from credit_assets.features.summary import Agg, aggs, summarise

CREDIT_KEY = "SK_ID_BUREAU"
WORST_LEVEL = 5
RECENT_MONTHS = 12
RECENT_DAYS = (365, 730)
STATUSES = {"STATUS": BUREAU_BALANCE_STATUS}

# The recipe's numeric aggregates, computed over all, active and closed credits.
NUMERIC = {
    "DAYS_CREDIT": ["min", "max", "mean", "var"],
    "DAYS_CREDIT_ENDDATE": ["min", "max", "mean"],
    "DAYS_CREDIT_UPDATE": ["mean"],
    "CREDIT_DAY_OVERDUE": ["max", "mean"],
    "AMT_CREDIT_MAX_OVERDUE": ["mean"],
    "AMT_CREDIT_SUM": ["max", "mean", "sum"],
    "AMT_CREDIT_SUM_DEBT": ["max", "mean", "sum"],
    "AMT_CREDIT_SUM_OVERDUE": ["mean"],
    "AMT_CREDIT_SUM_LIMIT": ["mean", "sum"],
    "AMT_ANNUITY": ["max", "mean"],
    "CNT_CREDIT_PROLONG": ["sum"],
    "MONTHS_BALANCE_MIN": ["min"],
    "MONTHS_BALANCE_MAX": ["max"],
    "MONTHS_BALANCE_SIZE": ["mean", "sum"],
}
# Overdue, debt and monthly-history totals over all and over active credits.
TOTALS = {
    "OVERDUE": ["sum"],
    "AMT_CREDIT_SUM_OVERDUE": ["max", "sum"],
    "AMT_CREDIT_MAX_OVERDUE": ["max"],
    "AMT_ANNUITY": ["sum"],
    "BB_LATE_MONTHS": ["sum"],
    "BB_RECENT_MONTHS": ["sum"],
    "BB_RECENT_LATE_MONTHS": ["sum"],
    "BB_WORST_STATUS": ["max"],
}
STATUS_SHARES = [safe_name(f"STATUS_{s}_MEAN") for s in (*BUREAU_BALANCE_STATUS, "nan")]


def balance_per_credit(bureau_balance: pl.LazyFrame) -> pl.DataFrame:
    """One row per bureau credit: months on file, status shares, late months, worst status."""
    return collected(_balance_summary(bureau_balance))


def _balance_summary(bureau_balance: pl.LazyFrame) -> pl.LazyFrame:
    encoded = bureau_balance.select(CREDIT_KEY, "MONTHS_BALANCE", *encode_categories(STATUSES))
    status = pl.col("STATUS")
    # Codes 0-5 are the days-past-due buckets "0"-"5" themselves (see BUREAU_BALANCE_STATUS).
    months = (
        sorted_rows(encoded, CREDIT_KEY)
        .lazy()
        .with_columns(
            status.is_between(1, WORST_LEVEL).fill_null(False).alias("LATE"),
            (pl.col("MONTHS_BALANCE") >= -RECENT_MONTHS).alias("RECENT"),
            pl.when(status <= WORST_LEVEL).then(status).alias("LEVEL"),
        )
    )
    months = months.with_columns((pl.col("LATE") & pl.col("RECENT")).alias("RECENT_LATE"))
    specs = [
        Agg("MONTHS_BALANCE_MIN", "MONTHS_BALANCE", "min"),
        Agg("MONTHS_BALANCE_MAX", "MONTHS_BALANCE", "max"),
        Agg("MONTHS_BALANCE_SIZE", "MONTHS_BALANCE", "size"),
        Agg("BB_LATE_MONTHS", "LATE", "sum"),
        Agg("BB_RECENT_MONTHS", "RECENT", "sum"),
        Agg("BB_RECENT_LATE_MONTHS", "RECENT_LATE", "sum"),
        Agg("BB_WORST_STATUS", "LEVEL", "max"),
    ]
    return summarise(collected(months), specs, STATUSES, key=CREDIT_KEY)


def bureau_features(bureau: pl.LazyFrame, bureau_balance: pl.LazyFrame) -> pl.DataFrame:
    """One row per client with bureau credits: the recipe's aggregates plus counts and ratios."""
    joined = bureau.with_columns(encode_categories(BUREAU)).join(
        _balance_summary(bureau_balance), on=CREDIT_KEY, how="left"
    )
    credits = sorted_rows(joined.drop(CREDIT_KEY), KEY).with_columns(
        is_value(BUREAU, "CREDIT_ACTIVE", "Active").alias("ACTIVE"),
        is_value(BUREAU, "CREDIT_ACTIVE", "Closed").alias("CLOSED"),
        (pl.col("CREDIT_DAY_OVERDUE") > 0).alias("OVERDUE"),
        (pl.col("DAYS_CREDIT_ENDDATE") > 0).alias("ENDDATE_FUTURE"),
        *[(pl.col("DAYS_CREDIT") >= -d).alias(f"OPENED_{d // 365}Y") for d in RECENT_DAYS],
    )
    overall = summarise(
        credits,
        [
            *aggs(NUMERIC, "BURO"),
            *[Agg(f"BURO_{c}_MEAN", c, "mean") for c in STATUS_SHARES],
            *aggs(TOTALS, "BURO"),
            *_counts(),
        ],
        BUREAU,
        "BURO",
    )
    active = summarise(
        credits.filter(pl.col("ACTIVE")), [*aggs(NUMERIC, "ACTIVE"), *aggs(TOTALS, "ACTIVE")]
    )
    closed = summarise(credits.filter(pl.col("CLOSED")), aggs(NUMERIC, "CLOSED"))
    clients = join_all(overall, [active, closed])
    return collected(clients.with_columns(*_ratios("BURO"), *_ratios("ACTIVE")))


@cache
def _counts() -> tuple[Agg, ...]:
    """Credits: all, active, closed, opened in the last one and two years, ending in future."""
    return (
        Agg("BURO_COUNT", KEY, "size"),
        Agg("BURO_ACTIVE_COUNT", "ACTIVE", "sum"),
        Agg("BURO_CLOSED_COUNT", "CLOSED", "sum"),
        *[Agg(f"BURO_COUNT_{d // 365}Y", f"OPENED_{d // 365}Y", "sum") for d in RECENT_DAYS],
        Agg("BURO_ENDDATE_FUTURE_COUNT", "ENDDATE_FUTURE", "sum"),
        Agg("BURO_DAYS_ENDDATE_FACT_MAX", "DAYS_ENDDATE_FACT", "max"),
        Agg("BURO_DAYS_CREDIT_UPDATE_MAX", "DAYS_CREDIT_UPDATE", "max"),
    )


@cache
def _ratios(prefix: str) -> tuple[pl.Expr, ...]:
    """Debt, limit and overdue ratios of the summed amounts; late share of the monthly history."""

    def total(column: str) -> pl.Expr:
        return pl.col(f"{prefix}_{column}_SUM")

    return (
        ratio(total("AMT_CREDIT_SUM_DEBT"), total("AMT_CREDIT_SUM")).alias(
            f"{prefix}_DEBT_CREDIT_RATIO"
        ),
        ratio(total("AMT_CREDIT_SUM_LIMIT"), total("AMT_CREDIT_SUM")).alias(
            f"{prefix}_LIMIT_CREDIT_RATIO"
        ),
        ratio(total("AMT_CREDIT_SUM_OVERDUE"), total("AMT_CREDIT_SUM_DEBT")).alias(
            f"{prefix}_OVERDUE_DEBT_RATIO"
        ),
        ratio(total("BB_LATE_MONTHS"), total("MONTHS_BALANCE_SIZE")).alias(
            f"{prefix}_BB_LATE_SHARE"
        ),
        ratio(total("BB_RECENT_LATE_MONTHS"), total("BB_RECENT_MONTHS")).alias(
            f"{prefix}_BB_LATE_SHARE_{RECENT_MONTHS}M"
        ),
    )
