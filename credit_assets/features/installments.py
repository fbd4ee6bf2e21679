"""Instalment payments on previous Home Credit loans: lateness, paid share, shortfalls.

Days past due (DPD) and days before due (DBD) are clipped at zero. The last one and two years are
summarised again on their own, since recent behaviour predicts best.
"""

from __future__ import annotations

from typing import TypeVar

import polars as pl

from credit_assets.features.common import KEY, div, sorted_rows
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
    underpaid flags, and the windowed copies (missing outside the window)."""
    due, paid = pl.col("DAYS_INSTALMENT"), pl.col("DAYS_ENTRY_PAYMENT")
    rows = installments.with_columns(
        div(pl.col("AMT_PAYMENT"), pl.col("AMT_INSTALMENT")).alias("PAYMENT_PERC"),
        (pl.col("AMT_INSTALMENT") - pl.col("AMT_PAYMENT")).alias("PAYMENT_DIFF"),
        (paid - due).clip(lower_bound=0).alias("DPD"),
        (due - paid).clip(lower_bound=0).alias("DBD"),
    ).with_columns(
        (pl.col("DPD") > 0).alias("LATE"),
        (pl.col("PAYMENT_DIFF") > 0).alias("UNDERPAID"),
    )
    windows = []
    for days in RECENT_DAYS:
        recent = due >= -days
        windows.append(recent.alias(f"IN_{days}D"))
        windows += [pl.when(recent).then(pl.col(c)).alias(f"{c}_{days}D") for c in WINDOWED]
    return rows.with_columns(windows)


def installment_features(installments: pl.LazyFrame) -> pl.DataFrame:
    """One row per client with instalment payments."""
    rows = with_row_features(sorted_rows(installments.select(KEY, *RAW_COLUMNS), KEY))
    specs = [*aggs(NUMERIC, "INSTAL"), Agg("INSTAL_COUNT", KEY, "size")]
    specs += [
        Agg("INSTAL_LATE_SHARE", "LATE", "mean"),
        Agg("INSTAL_UNDERPAID_SHARE", "UNDERPAID", "mean"),
    ]
    for days in RECENT_DAYS:
        prefix = f"INSTAL_{days // 365}Y"
        specs.append(Agg(f"{prefix}_COUNT", f"IN_{days}D", "sum"))
        specs += [
            Agg(f"{prefix}_{c}_{how.upper()}", f"{c}_{days}D", how)
            for c, hows in WINDOWED.items()
            for how in hows
        ]
    return summarise(rows, specs)
