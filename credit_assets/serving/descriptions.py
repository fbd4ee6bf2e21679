"""Readable descriptions of the client-table features, for explanations a credit officer reads.

Raw application fields take their text from ``HomeCredit_columns_description.csv``. Aggregates of
the side tables follow the feature layer's naming, ``{PREFIX}_{COLUMN}_{AGG}`` and
``{PREFIX}_{COLUMN}_{VALUE}_MEAN`` (see ``credit_assets.features.common``), and are described
from the same file: the aggregate, the side-table column's own description and which of the
client's records it runs over.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from credit_assets.kaggle import descriptions

APPLICATION = "application_{train|test}.csv"

# Engineered application features (credit_assets.features.application), in words.
APPLICATION_FEATURES = {
    "DAYS_EMPLOYED_SENTINEL": "Employment start unknown (pensioners' placeholder date)",
    "CREDIT_INCOME_RATIO": "Credit amount divided by the client's income",
    "INCOME_CREDIT_PERC": "Income divided by the credit amount",
    "ANNUITY_INCOME_PERC": "Loan annuity as a share of income",
    "PAYMENT_RATE": "Loan annuity as a share of the credit amount (repayment speed)",
    "GOODS_CREDIT_RATIO": "Price of the goods divided by the credit amount",
    "CREDIT_GOODS_DIFF": "Credit amount above the price of the goods",
    "INCOME_PER_PERSON": "Income per family member",
    "DAYS_EMPLOYED_PERC": "Time in current employment as a share of age",
    "AGE_YEARS": "Client's age in years",
    "PHONE_CHANGE_AGE_PERC": "Time since the last phone change as a share of age",
    "ID_PUBLISH_AGE_PERC": "Time since the identity document changed as a share of age",
    "EXT_SOURCE_MEAN": "Average of the three external credit scores",
    "EXT_SOURCE_PROD": "Product of the three external credit scores",
    "EXT_SOURCE_STD": "Spread of the three external credit scores",
    "EXT_SOURCE_MIN": "Lowest of the three external credit scores",
    "EXT_SOURCE_MAX": "Highest of the three external credit scores",
    "EXT_SOURCE_WEIGHTED": "Weighted average of the three external credit scores",
    "EXT_SOURCE_MISSING": "Number of external credit scores missing",
    "FLAG_DOCUMENT_COUNT": "Number of documents the client provided",
    "CONTACT_FLAG_COUNT": "Number of contact channels the client provided",
    "ADDRESS_MISMATCH_COUNT": "Number of mismatches between permanent, contact and work addresses",
    "AMT_REQ_CREDIT_BUREAU_TOTAL": "Enquiries to the Credit Bureau about the client in a year",
}

# Longest prefix first: the table a feature aggregates and which of the client's records.
PREFIXES = (
    ("INSTAL_1Y_", "installments_payments.csv", "instalments due in the last year"),
    ("INSTAL_2Y_", "installments_payments.csv", "instalments due in the last two years"),
    ("INSTAL_", "installments_payments.csv", "instalments of earlier loans"),
    ("ACTIVE_", "bureau.csv", "active credits at other lenders (Credit Bureau)"),
    ("CLOSED_", "bureau.csv", "closed credits at other lenders (Credit Bureau)"),
    ("BURO_", "bureau.csv", "credits at other lenders (Credit Bureau)"),
    ("APPROVED_", "previous_application.csv", "approved earlier Home Credit applications"),
    ("REFUSED_", "previous_application.csv", "refused earlier Home Credit applications"),
    ("PREV_", "previous_application.csv", "earlier Home Credit applications"),
    ("POS_", "POS_CASH_balance.csv", "monthly records of point-of-sale and cash loans"),
    ("CC_", "credit_card_balance.csv", "monthly records of Home Credit credit cards"),
)
SECONDARY_TABLES = {"bureau.csv": "bureau_balance.csv"}
ENGINEERED_WORDS = {
    "DPD": "days past due",
    "DBD": "days paid before due",
    "PAYMENT_PERC": "share of the instalment paid",
    "PAYMENT_DIFF": "instalment amount left unpaid",
    "BB": "monthly status",
    "UTILISATION": "balance as a share of the limit",
    "SIMPLE_RATE": "simple interest rate",
    "APP_CREDIT_PERC": "amount applied for over amount granted",
}
AGGREGATES = {
    "MIN": "Lowest",
    "MAX": "Highest",
    "MEAN": "Average",
    "SUM": "Total",
    "VAR": "Variance of",
    "SIZE": "Number of",
    "COUNT": "Number of",
    "NUNIQUE": "Number of distinct",
}


@cache
def _column_texts() -> dict[tuple[str, str], str]:
    # The Kaggle file writes an ellipsis as the Windows-1252 byte 0x85.
    return {
        (r["table"], r["column"].strip()): r["description"].strip().replace("\x85", "…")
        for r in descriptions()
    }


def describe_feature(name: str) -> str:
    """A sentence saying what the feature measures (the name itself when nothing is known)."""
    texts = _column_texts()
    if name in APPLICATION_FEATURES:
        return APPLICATION_FEATURES[name]
    if (APPLICATION, name) in texts:
        return texts[(APPLICATION, name)]
    for prefix, table, records in PREFIXES:
        if name.startswith(prefix):
            return _describe_aggregate(name[len(prefix) :], table, records)
    return name


def _describe_aggregate(rest: str, table: str, records: str) -> str:
    """``DAYS_CREDIT_MEAN`` of bureau -> 'Average "How many days before ..." over ...'."""
    if rest in AGGREGATES:
        return f"{AGGREGATES[rest]} {records}"
    words = rest.split("_")
    aggregate = AGGREGATES.get(words[-1]) if len(words) > 1 else None
    body = "_".join(words[:-1]) if aggregate else rest
    column, inner, value = _split_column(body, table)
    if column is None:
        subject = _engineered_words(body)
    else:
        subject = f'"{_column_text(column, table)}"'
        if inner and inner != aggregate:  # the highest of the highest is the highest
            subject = f"{inner.lower()} {subject}"
    if value is not None:
        if aggregate in (None, "Average"):
            return f"Share of {records} where {subject} is {value}"
        if aggregate == "Total":
            return f"Number of {records} where {subject} is {value}"
        return f"{aggregate} of ({subject} is {value}) over {records}"
    if aggregate is None:
        return f"{subject[0].upper()}{subject[1:]} ({records})"
    return f"{aggregate} {subject} over {records}"


def _split_column(body: str, table: str) -> tuple[str | None, str | None, str | None]:
    """The longest known column ``body`` starts with, an inner aggregate, a category value."""
    for column in sorted(_table_columns(table), key=len, reverse=True):
        if body == column:
            return column, None, None
        if body.startswith(column + "_"):
            tail = body[len(column) + 1 :].split("_")
            while tail and tail[-1] in AGGREGATES and len(tail) > 1:
                tail.pop()
            if len(tail) == 1 and tail[0] in AGGREGATES:
                return column, AGGREGATES[tail[0]], None
            return column, None, " ".join(tail)
    return None, None, None


def _engineered_words(body: str) -> str:
    """A derived quantity's name in words (``PAYMENT_PERC`` -> 'share of the instalment paid')."""
    text = body
    for short, words in ENGINEERED_WORDS.items():
        text = re.sub(rf"(^|_){short}(_|$)", rf"\1{words}\2", text)
    return text.replace("_", " ").lower()


def _table_columns(table: str) -> Iterable[str]:
    tables = {table, SECONDARY_TABLES.get(table, table)}
    return [column for (t, column) in _column_texts() if t in tables]


def _column_text(column: str, table: str) -> str:
    texts = _column_texts()
    for candidate in (table, SECONDARY_TABLES.get(table, table)):
        if (candidate, column) in texts:
            return texts[(candidate, column)]
    return column


def describe_features(names: Iterable[str]) -> dict[str, str]:
    """Descriptions of many features, keyed by name."""
    return {name: describe_feature(name) for name in names}
