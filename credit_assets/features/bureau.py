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
    join_all,
    safe_name,
    sorted_rows,
)
from credit_assets.features.expressions import (
    Expr,
    Stages,
    col,
    is_value,
    ratio,
    when,
    with_stages,
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
    months = with_stages(sorted_rows(encoded, CREDIT_KEY).lazy(), month_features())
    return summarise(collected(months), balance_specs(), STATUSES, key=CREDIT_KEY)


@cache
def month_features() -> Stages:
    """Each month of a bureau credit: late (1-5 months past due), in the last year, both, and
    its level of lateness (codes 0-5 are the buckets "0"-"5", see BUREAU_BALANCE_STATUS)."""
    status = col("STATUS")
    return (
        {
            "LATE": status.is_between(1, WORST_LEVEL).fill_null(False),
            "RECENT": col("MONTHS_BALANCE") >= -RECENT_MONTHS,
            "LEVEL": when(status <= WORST_LEVEL, status),
        },
        {"RECENT_LATE": col("LATE") & col("RECENT")},
    )


@cache
def credit_features() -> Stages:
    """Each bureau credit: active, closed, overdue, ending in the future, opened recently."""
    return (
        {
            "ACTIVE": is_value(BUREAU, "CREDIT_ACTIVE", "Active"),
            "CLOSED": is_value(BUREAU, "CREDIT_ACTIVE", "Closed"),
            "OVERDUE": col("CREDIT_DAY_OVERDUE") > 0,
            "ENDDATE_FUTURE": col("DAYS_CREDIT_ENDDATE") > 0,
            **{f"OPENED_{d // 365}Y": col("DAYS_CREDIT") >= -d for d in RECENT_DAYS},
        },
    )


@cache
def balance_specs() -> tuple[Agg, ...]:
    """Per bureau credit: months on file, late months (overall, in the last year), worst status."""
    return (
        Agg("MONTHS_BALANCE_MIN", "MONTHS_BALANCE", "min"),
        Agg("MONTHS_BALANCE_MAX", "MONTHS_BALANCE", "max"),
        Agg("MONTHS_BALANCE_SIZE", "MONTHS_BALANCE", "size"),
        Agg("BB_LATE_MONTHS", "LATE", "sum"),
        Agg("BB_RECENT_MONTHS", "RECENT", "sum"),
        Agg("BB_RECENT_LATE_MONTHS", "RECENT_LATE", "sum"),
        Agg("BB_WORST_STATUS", "LEVEL", "max"),
    )


def bureau_features(bureau: pl.LazyFrame, bureau_balance: pl.LazyFrame) -> pl.DataFrame:
    """One row per client with bureau credits: the recipe's aggregates plus counts and ratios."""
    joined = bureau.with_columns(encode_categories(BUREAU)).join(
        _balance_summary(bureau_balance), on=CREDIT_KEY, how="left"
    )
    credits = with_stages(sorted_rows(joined.drop(CREDIT_KEY), KEY), credit_features())
    overall = summarise(credits, overall_specs(), BUREAU, "BURO")
    active = summarise(credits.filter(pl.col("ACTIVE")), active_specs())
    closed = summarise(credits.filter(pl.col("CLOSED")), aggs(NUMERIC, "CLOSED"))
    clients = join_all(overall, [active, closed])
    return collected(with_stages(clients, client_ratios()))


@cache
def overall_specs() -> tuple[Agg, ...]:
    """Over all credits: the recipe's aggregates, status shares, totals and counts."""
    return (
        *aggs(NUMERIC, "BURO"),
        *[Agg(f"BURO_{c}_MEAN", c, "mean") for c in STATUS_SHARES],
        *aggs(TOTALS, "BURO"),
        *counts(),
    )


@cache
def active_specs() -> tuple[Agg, ...]:
    return (*aggs(NUMERIC, "ACTIVE"), *aggs(TOTALS, "ACTIVE"))


@cache
def counts() -> tuple[Agg, ...]:
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
def client_ratios() -> Stages:
    """Over all and over active credits: debt, limit and overdue ratios of the summed amounts,
    late share of the monthly history (overall and in the last year)."""

    def ratios(prefix: str) -> dict[str, Expr]:
        def total(column: str) -> Expr:
            return col(f"{prefix}_{column}_SUM")

        return {
            f"{prefix}_DEBT_CREDIT_RATIO": ratio(
                total("AMT_CREDIT_SUM_DEBT"), total("AMT_CREDIT_SUM")
            ),
            f"{prefix}_LIMIT_CREDIT_RATIO": ratio(
                total("AMT_CREDIT_SUM_LIMIT"), total("AMT_CREDIT_SUM")
            ),
            f"{prefix}_OVERDUE_DEBT_RATIO": ratio(
                total("AMT_CREDIT_SUM_OVERDUE"), total("AMT_CREDIT_SUM_DEBT")
            ),
            f"{prefix}_BB_LATE_SHARE": ratio(total("BB_LATE_MONTHS"), total("MONTHS_BALANCE_SIZE")),
            f"{prefix}_BB_LATE_SHARE_{RECENT_MONTHS}M": ratio(
                total("BB_RECENT_LATE_MONTHS"), total("BB_RECENT_MONTHS")
            ),
        }

    return ({**ratios("BURO"), **ratios("ACTIVE")},)
