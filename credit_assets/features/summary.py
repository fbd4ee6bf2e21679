"""Per-client summaries of a side table: named aggregations run as one Polars group-by.

The frames come sorted by client (``common.sorted_rows``), so each client's rows are contiguous
and every aggregation reads memory in order: on the full-size tables that measured two to four
times cheaper than grouping unsorted rows (how the rows are then grouped depends on how many
each client has, see ``_grouping_keys``). Semantics follow pandas' groupby, which the public
recipe uses: missing values are skipped, a sum of nothing is 0, a mean, min or max of nothing is
missing, a variance needs two values (``ddof=1``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
import polars as pl

from credit_assets.features.common import FEW_ROWS, KEY, collected, safe_name

_POLARS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "count": lambda e: e.count(),
    "sum": lambda e: e.sum(),
    "mean": lambda e: e.mean(),
    "min": lambda e: e.min(),
    "max": lambda e: e.max(),
    "var": lambda e: e.var(ddof=1),
    "first": lambda e: e.first(),
    "last": lambda e: e.last(),
    "nunique": lambda e: e.drop_nulls().n_unique(),
}
HOWS = ("size", *_POLARS)
# From this many rows per client on, aggregating sorted slices beats gathering rows by index.
SLICED_ROWS_PER_CLIENT = 16


@dataclass(frozen=True)
class Agg:
    """One output column: ``how`` applied to ``column`` within each client."""

    name: str
    column: str
    how: str

    def expr(self) -> pl.Expr:
        """The Polars aggregation."""
        return self._expr

    @cached_property
    def _expr(self) -> pl.Expr:
        return _expression(self)


@cache  # built once: a new applicant's row takes a few hundred
def _expression(agg: Agg) -> pl.Expr:
    if agg.how == "size":
        return pl.len().alias(agg.name)
    try:
        return _POLARS[agg.how](pl.col(agg.column)).alias(agg.name)
    except KeyError:
        raise ValueError(f"unknown aggregation {agg.how!r}; known: {HOWS}") from None


def aggs(spec: Mapping[str, Sequence[str]], prefix: str) -> tuple[Agg, ...]:
    """``{prefix}_{column}_{HOW}`` aggregations from a pandas-style ``{column: [hows]}``."""
    return _aggs(tuple((c, tuple(hows)) for c, hows in spec.items()), prefix)


@cache  # the same aggregations (and their built expressions) on every call
def _aggs(spec: tuple[tuple[str, tuple[str, ...]], ...], prefix: str) -> tuple[Agg, ...]:
    return tuple(Agg(f"{prefix}_{c}_{how.upper()}", c, how) for c, hows in spec for how in hows)


def summarise(
    frame: pl.DataFrame,
    specs: Sequence[Agg],
    categories: Mapping[str, Sequence[str]] | None = None,
    category_prefix: str = "",
    category_hows: Sequence[str] = ("mean",),
    key: str = KEY,
) -> pl.LazyFrame:
    """One row per ``key`` of a key-sorted ``frame``: every ``Agg``, then category indicators.

    ``categories`` columns hold the codes of ``common.encode_categories``. For each listed value
    and for missing, the 0/1 indicator is summarised with ``category_hows`` (any of min, max,
    mean, sum, var) and named ``{prefix}_{column}_{value}_{HOW}`` like the recipe's one-hot
    aggregates. Only the count of ones is computed, for all values of a column in one
    ``numpy.bincount``; the rest follows from it and the row count.

    The result is a plan: a feature group joins its summaries and collects them in one query
    (:func:`common.collected`); on a new applicant's few rows the groups took a quarter less
    time than with each step on its own. The indicators are computed at once, and so are the
    aggregations of more than ``FEW_ROWS`` clients: in one plan a group's large summaries were
    computed side by side (+8% peak memory on the full previous applications).

    Raises:
        ValueError: if ``frame`` is not sorted by ``key``.
    """
    keys = frame.get_column(key)
    if not keys.is_sorted():
        raise ValueError(f"summarise needs rows sorted by {key}")
    starts = _client_starts(keys)
    sizes = np.diff(np.flatnonzero(np.append(starts, True)))  # rows per client, in key order
    grouped = frame.lazy().group_by(_grouping_keys(keys, sizes.size), maintain_order=True)
    summary = grouped.agg(*(a.expr() for a in specs))
    if sizes.size > FEW_ROWS:
        summary = collected(summary).lazy()
    if not categories:
        return summary
    segment = np.cumsum(starts) - 1  # the client's position in ``summary``, row by row
    counts = sizes.astype(np.float64)
    hows = tuple(category_hows)
    names = [
        name
        for column, values in categories.items()
        for name in indicator_names(category_prefix, column, tuple(values), hows)
    ]
    columns = [
        indicator
        for column, values in categories.items()
        for indicator in _category_columns(
            frame.get_column(column), len(values), segment, counts, hows
        )
    ]
    if not names:
        return summary
    return pl.concat([summary, _frame(names, columns).lazy()], how="horizontal")


def _client_starts(keys: pl.Series) -> np.ndarray:
    """Where each client's rows start, for sorted keys.

    In NumPy: each of the Polars Series methods (``rle``, ``rle_id``) runs a query, which on a
    new applicant's few rows cost a hundred times the arithmetic.
    """
    values = keys.to_numpy()
    starts = np.ones(values.size, dtype=bool)
    starts[1:] = values[1:] != values[:-1]
    if keys.has_nulls():  # missing keys (sorted together) are one client, as in a group-by
        missing = np.isnan(values)
        starts[1:] &= ~(missing[1:] & missing[:-1])
    return starts


def _grouping_keys(keys: pl.Series, clients: int) -> pl.Series:
    """The sorted (non-missing) keys, flagged sorted only when clients have many rows each.

    On keys flagged sorted Polars cuts a new array per client for every aggregation; on others it
    hashes the keys once and reads each client's rows by index, in order (``maintain_order``
    keeps the clients in key order). Measured per aggregation: about three times cheaper by index
    up to ~12 rows per client (bureau credits, previous applications), a little dearer from ~20
    (monthly balances, instalments).
    """
    if keys.len() >= SLICED_ROWS_PER_CLIENT * clients:
        return keys.set_sorted()
    return pl.Series(keys.name, keys.to_numpy(), dtype=keys.dtype)


@cache
def indicator_names(
    prefix: str, column: str, values: tuple[str, ...], hows: tuple[str, ...]
) -> tuple[str, ...]:
    """``{prefix}_{column}_{value}_{HOW}``, value by value (missing last), ``hows`` within."""
    stems = [safe_name(f"{prefix}_{column}_{value}") for value in (*values, "nan")]
    return tuple(f"{stem}_{how.upper()}" for stem in stems for how in hows)


def _category_columns(
    codes: pl.Series, listed: int, segment: np.ndarray, sizes: np.ndarray, hows: Sequence[str]
) -> list[np.ndarray]:
    """The indicator summaries of one encoded column (``listed`` values), in the order of
    :func:`indicator_names`.

    The counts are laid out one row per value (``code * clients + client``), so each value's
    counts are contiguous and each summary is computed straight into its output column. Large
    temporaries are avoided: on the full tables, fresh memory (page faults) cost more than the
    arithmetic. A few clients' summaries are computed for every value at once instead: one
    NumPy call per value cost more than the arithmetic there.
    """
    width = listed + 2  # the listed values, any other value, missing
    clients = sizes.size
    index = codes.to_numpy()  # floats with NaN where missing, if any is
    if codes.has_nulls():
        index = np.where(np.isnan(index), width - 1, index)
    index = index.astype(np.int64)
    index *= clients
    index += segment
    counts = np.bincount(index, minlength=width * clients).reshape(width, clients)
    rows = [*range(listed), width - 1]
    if clients > FEW_ROWS:
        return [indicator(counts[row], sizes, how) for row in rows for how in hows]
    every = np.stack([indicator(counts[rows], sizes, how) for how in hows], axis=1)
    return list(every.reshape(len(rows) * len(hows), clients))


def _frame(names: Sequence[str], columns: Sequence[np.ndarray]) -> pl.DataFrame:
    """Named float columns as a frame, NaN missing (only a variance can be undefined: one row).

    A few clients' columns go in one array split into fields: a Series per column cost ~10 µs
    each, as much as computing a new applicant's hundreds of indicators.
    """
    if columns[0].size > FEW_ROWS:
        return pl.DataFrame(
            [pl.Series(n, c, nan_to_null=True) for n, c in zip(names, columns, strict=True)]
        )
    rows = pl.Series(np.array(columns).T, nan_to_null=True)
    return rows.arr.to_struct(fields=list(names)).struct.unnest()


def indicator(hits: np.ndarray, n: np.ndarray, how: str) -> np.ndarray:
    """min, max, mean, sum or sample variance of a 0/1 indicator from its count of ones."""
    if how == "mean":
        return hits / n
    if how == "sum":
        return hits.astype(np.float64)
    if how == "min":
        return (hits == n).astype(np.float64)
    if how == "max":
        return (hits > 0).astype(np.float64)
    if how != "var":
        raise ValueError(f"no indicator summary {how!r}: use min, max, mean, sum or var")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 1, hits * (n - hits) / (n * (n - 1)), np.nan)
