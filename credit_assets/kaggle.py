"""The Home Credit Default Risk file format: table names, column order, dtypes, descriptions.

The facts come from ``reference/schema.json`` and ``reference/descriptions.json`` (rebuilt by
``python -m credit_assets.reference.build``). Everything that reads or writes Kaggle files uses
this module, so the format is defined once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

APPLICATION_TABLES = ("application_train", "application_test")
SIDE_TABLES = (
    "bureau",
    "bureau_balance",
    "previous_application",
    "POS_CASH_balance",
    "credit_card_balance",
    "installments_payments",
)
TABLES = APPLICATION_TABLES + SIDE_TABLES
DESCRIPTION_FILE = "HomeCredit_columns_description.csv"
SUBMISSION_FILE = "sample_submission.csv"
KAGGLE_ZIP = "home-credit-default-risk.zip"
# "Infinity" in days: pensioners' DAYS_EMPLOYED and open-ended dates in previous_application.
DAYS_SENTINEL = 365243
# What pd.read_csv reads as missing by default: the Kaggle dtypes were inferred with these, and R
# (NA) and pandas (empty field) write missing values this way.
# fmt: off
MISSING_TEXT = (
    "", "NA", "N/A", "n/a", "#N/A", "#NA", "#N/A N/A", "NULL", "null", "None", "<NA>",
    "NaN", "nan", "-NaN", "-nan", "1.#IND", "1.#QNAN", "-1.#IND", "-1.#QNAN",
)
# fmt: on


@dataclass(frozen=True)
class TableSchema:
    """Column names in file order and the dtype pandas infers for each on the real file."""

    name: str
    columns: tuple[str, ...]
    dtypes: tuple[str, ...]


@cache
def _raw_schema() -> dict[str, list[list[str]]]:
    text = resources.files("credit_assets.reference").joinpath("schema.json").read_text()
    return json.loads(text)


@cache
def schema(table: str) -> TableSchema:
    """The schema of one Kaggle table (``application_train``, ``bureau``, ...)."""
    try:
        pairs = _raw_schema()[table]
    except KeyError:
        raise KeyError(f"unknown Home Credit table {table!r}; known: {', '.join(TABLES)}") from None
    return TableSchema(table, tuple(c for c, _ in pairs), tuple(d for _, d in pairs))


@cache
def descriptions() -> list[dict[str, str]]:
    """Rows of HomeCredit_columns_description.csv: table, column, description, special."""
    text = resources.files("credit_assets.reference").joinpath("descriptions.json").read_text()
    return json.loads(text)


def describe(column: str) -> str:
    """A readable description of a raw column, or the column name when none is known."""
    for row in descriptions():
        if row["column"].strip() == column:
            return row["description"]
    return column
