"""Instalment payments on previous Home Credit loans: lateness, paid share, shortfalls.

Days past due (DPD) and days before due (DBD) are clipped at zero. The last one and two years are
summarised again on their own, since recent behaviour predicts best.
"""

from __future__ import annotations

from typing import TypeVar

import polars as pl

from credit_assets.features.common import KEY, collected, div, join_all, sorted_rows
from credit_assets.features.summary import Agg, aggs, summarise

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

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


def with_row_features(installments: Frame) -> Frame:
    """Paid share, payment shortfall, days past due and before due of every payment, late and
    underpaid flags."""
    due, paid = pl.col("DAYS_INSTALMENT"), pl.col("DAYS_ENTRY_PAYMENT")
    return installments.with_columns(
        div(pl.col("AMT_PAYMENT"), pl.col("AMT_INSTALMENT")).alias("PAYMENT_PERC"),
        (pl.col("AMT_INSTALMENT") - pl.col("AMT_PAYMENT")).alias("PAYMENT_DIFF"),
        (paid - due).clip(lower_bound=0).alias("DPD"),
        (due - paid).clip(lower_bound=0).alias("DBD"),
    ).with_columns(
        (pl.col("DPD") > 0).alias("LATE"),
        (pl.col("PAYMENT_DIFF") > 0).alias("UNDERPAID"),
    )


def installment_features(installments: pl.LazyFrame) -> pl.DataFrame:
    """One row per client with instalment payments."""
    rows = collected(
        with_row_features(sorted_rows(installments.select(KEY, *RAW_COLUMNS), KEY).lazy())
    )
    specs = [*aggs(NUMERIC, "INSTAL"), Agg("INSTAL_COUNT", KEY, "size")]
    specs += [
        Agg("INSTAL_LATE_SHARE", "LATE", "mean"),
        Agg("INSTAL_UNDERPAID_SHARE", "UNDERPAID", "mean"),
    ]
    windows = [_window(rows, days) for days in RECENT_DAYS]
    clients = join_all(summarise(rows, specs), [table for table, _ in windows])
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
    prefix = f"INSTAL_{days // 365}Y"
    recent = rows.lazy().filter(pl.col("DAYS_INSTALMENT") >= -days).select(KEY, *WINDOWED)
    specs = [Agg(f"{prefix}_COUNT", KEY, "size"), *aggs(WINDOWED, prefix)]
    zeros = [a.name for a in specs if a.how in ("size", "sum")]
    return summarise(recent.collect(engine="in-memory"), specs), zeros
