"""Instalment payments on previous Home Credit loans: lateness, paid share, shortfalls.

Days past due (DPD) and days before due (DBD) are clipped at zero. The last one and two years are
summarised again on their own, since recent behaviour predicts best.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from credit_assets.features.common import KEY, collected, join_all, sorted_rows
from credit_assets.features.expressions import Expr, Stages, col, div, with_stages
from credit_assets.features.summary import Agg, aggs, summarise

RECENT_DAYS = (365, 730)
RAW_COLUMNS = (
    "NUM_INSTALMENT_VERSION",
    "DAYS_INSTALMENT",
    "DAYS_ENTRY_PAYMENT",
    "AMT_INSTALMENT",
    "AMT_PAYMENT",
)
NUMERIC = {
    "NUM_INSTALMENT_VERSION": ["nunique"],
    "DPD": ["max", "mean", "sum"],
    "DBD": ["max", "mean", "sum"],
    "PAYMENT_PERC": ["max", "mean", "sum", "var"],
    "PAYMENT_DIFF": ["max", "mean", "sum", "var"],
    "AMT_INSTALMENT": ["max", "mean", "sum"],
    "AMT_PAYMENT": ["min", "max", "mean", "sum"],
    "DAYS_ENTRY_PAYMENT": ["max", "mean", "sum"],
}
# Summarised over all payments and again within each recent window.
WINDOWED = {
    "LATE": ["mean"],
    "UNDERPAID": ["mean"],
    "DPD": ["max", "mean"],
    "PAYMENT_PERC": ["mean"],
    "PAYMENT_DIFF": ["sum"],
}


@cache
def row_features() -> Stages:
    """Paid share, payment shortfall, days past due and before due of every payment, late and
    underpaid flags."""
    due, paid = col("DAYS_INSTALMENT"), col("DAYS_ENTRY_PAYMENT")
    return (
        {
            "PAYMENT_PERC": div(col("AMT_PAYMENT"), col("AMT_INSTALMENT")),
            "PAYMENT_DIFF": col("AMT_INSTALMENT") - col("AMT_PAYMENT"),
            "DPD": (paid - due).clip_below(0),
            "DBD": (due - paid).clip_below(0),
        },
        {"LATE": col("DPD") > 0, "UNDERPAID": col("PAYMENT_DIFF") > 0},
    )


@cache  # built once: a new applicant's request asks for it twice
def in_window(days: int) -> Expr:
    """Payments due in the last ``days`` days."""
    return col("DAYS_INSTALMENT") >= -days


def installment_features(installments: pl.LazyFrame) -> pl.DataFrame:
    """One row per client with instalment payments."""
    rows = collected(
        with_stages(sorted_rows(installments.select(KEY, *RAW_COLUMNS), KEY).lazy(), row_features())
    )
    windows = [_window(rows, days) for days in RECENT_DAYS]
    clients = join_all(summarise(rows, overall_specs()), [table for table, _ in windows])
    # A client without payments in a window made none there: its count and sums are 0.
    zeros = (pl.col(name).fill_null(0) for _, names in windows for name in names)
    return collected(clients.with_columns(zeros))


def _window(rows: pl.DataFrame, days: int) -> tuple[pl.LazyFrame, list[str]]:
    """Payments due in the last ``days`` days summarised on their own, and which of the columns
    are counts or sums.

    Only those rows are copied and aggregated (a quarter and a half of the table for one and
    two years): masking the other rows as missing in full-length columns cost about twice as
    much.
    """
    recent = rows.lazy().filter(in_window(days).polars).select(KEY, *WINDOWED)
    specs, zeros = window_specs(days)
    return summarise(recent.collect(engine="in-memory"), specs), list(zeros)


@cache
def overall_specs() -> tuple[Agg, ...]:
    """The recipe's aggregates, the count of payments and the late and underpaid shares."""
    return (
        *aggs(NUMERIC, "INSTAL"),
        Agg("INSTAL_COUNT", KEY, "size"),
        Agg("INSTAL_LATE_SHARE", "LATE", "mean"),
        Agg("INSTAL_UNDERPAID_SHARE", "UNDERPAID", "mean"),
    )


@cache
def window_specs(days: int) -> tuple[tuple[Agg, ...], tuple[str, ...]]:
    """The summaries of the payments due in the last ``days`` days, and which of them are counts
    or sums (0 for a client without payments in the window)."""
    prefix = f"INSTAL_{days // 365}Y"
    specs = (Agg(f"{prefix}_COUNT", KEY, "size"), *aggs(WINDOWED, prefix))
    return specs, tuple(a.name for a in specs if a.how in ("size", "sum"))
