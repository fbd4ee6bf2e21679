"""A new applicant's side-table features, from the rows of their credit history.

The rows become Polars frames typed as the raw layer types the Kaggle CSVs (the table's Kaggle
dtypes; text the CSV reader takes for missing, such as ``NA``, made missing), and go through the
batch's own feature groups (:data:`build.SIDE_GROUPS`): a feature is defined once, and an
applicant sent with the rows the data files hold for a client gets that client's features.

Several applicants are computed together: each one's rows are keyed by the applicant's position
(their ``SK_ID_CURR``, given or not, plays no part), and each one's ``SK_ID_BUREAU`` values are
renumbered so that two applicants' credits cannot meet in the ``bureau_balance`` join.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import polars as pl

from credit_assets.features.build import SIDE_GROUPS
from credit_assets.features.common import KEY
from credit_assets.features.rows import HistoryRows
from credit_assets.kaggle import MISSING_TEXT, SIDE_TABLES, schema

CREDIT_KEY = "SK_ID_BUREAU"
_RAW_TYPES = {"int64": pl.Int64, "float64": pl.Float64, "object": pl.String}
_MISSING_TEXT = frozenset(MISSING_TEXT)


def given(row: Mapping[str, Any]) -> dict[str, Any]:
    """A table row as a request carries it: the fields without a value (null, NaN) left out."""
    return {k: v for k, v in row.items() if v is not None and v == v}


def history_of(raw: Mapping[str, pl.DataFrame], sk_id: int) -> dict[str, list[dict[str, Any]]]:
    """One client's rows in every side table of ``raw`` (Kaggle tables by name), as a request's
    ``history`` holds them: ``bureau_balance`` rows are those of the client's bureau credits."""
    owned = {t: raw[t].filter(pl.col(KEY) == sk_id) for t in SIDE_TABLES if t != "bureau_balance"}
    credits = owned["bureau"].get_column(CREDIT_KEY).implode()
    owned["bureau_balance"] = raw["bureau_balance"].filter(pl.col(CREDIT_KEY).is_in(credits))
    return {t: [given(r) for r in frame.rows(named=True)] for t, frame in owned.items()}


def has_rows(histories: Sequence[HistoryRows | None]) -> bool:
    """Whether any applicant's history holds a row."""
    return any(rows for history in histories if history for rows in history.values())


def side_tables(histories: Sequence[HistoryRows | None]) -> dict[str, pl.LazyFrame]:
    """Every side table of the applicants' histories, typed like the raw layer's Parquet.

    Applicant ``i``'s rows get ``SK_ID_CURR = i`` (``bureau_balance`` has no such column); a
    table nobody gave is empty.

    Raises:
        ValueError: naming the table, if a row holds a column the table does not have.
    """
    credits: dict[tuple[int, Any], int] = {}
    tables = {}
    for table in SIDE_TABLES:
        owned = KEY in raw_types(table)  # bureau_balance rows belong to a credit only
        rows: list[dict[str, Any]] = []
        for position, history in enumerate(histories):
            for row in (history or {}).get(table, ()):
                typed = {c: raw_value(v) for c, v in row.items()}
                if owned:
                    typed[KEY] = position
                if CREDIT_KEY in row:
                    typed[CREDIT_KEY] = credits.setdefault(
                        (position, row[CREDIT_KEY]), len(credits)
                    )
                rows.append(typed)
        tables[table] = typed_rows(table, rows).lazy()
    return tables


def side_features(histories: Sequence[HistoryRows | None]) -> list[pl.DataFrame]:
    """Every side-table feature group of the applicants who have rows, keyed by position.

    A group whose main table nobody gave is left out: as in the batch, where a client without
    such rows gets missing values for the whole group.
    """
    tables = side_tables(histories)
    return [
        group.build(tables)
        for group in SIDE_GROUPS
        if any((history or {}).get(group.tables[0]) for history in histories)
    ]


@cache
def raw_types(table: str) -> dict[str, pl.DataType]:
    """The Polars type of every column of a Kaggle table, as the raw layer types it."""
    spec = schema(table)
    return {c: _RAW_TYPES[d] for c, d in zip(spec.columns, spec.dtypes, strict=True)}


def typed_rows(table: str, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """Rows of a Kaggle table (column -> value) as a frame with every column of the table, typed
    as the raw layer types it; a value that does not convert, and a column not given, is missing.

    Raises:
        ValueError: naming the table, if a row holds a column the table does not have.
    """
    types = raw_types(table)
    unknown = sorted({c for row in rows for c in row} - types.keys())
    if unknown:
        raise ValueError(f"not {table} columns: {unknown}")
    if not rows:
        return _empty(table)
    try:  # one pass over the rows: building each column on its own cost ~10 µs per column
        return pl.DataFrame(rows, schema=types, strict=False)
    except pl.exceptions.PolarsError:  # a value of a type the column's builder refuses
        return pl.DataFrame(
            [
                pl.Series(c, [row.get(c) for row in rows], dtype=t, strict=False)
                for c, t in types.items()
            ]
        )


@cache  # a frame is immutable: every applicant without rows in the table shares it
def _empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=raw_types(table))


def raw_value(value: Any) -> Any:
    """The value as the raw layer would hold it: NaN and missing-value text made missing."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str) and value in _MISSING_TEXT:
        return None
    return value
