"""A few applicants' features in NumPy: the batch's definitions, evaluated without a query.

On a new applicant's few rows every Polars query costs its planning, a hundred microseconds or
more, and the application and the five side-table groups ran some thirty of them: about 20 ms
of a request, where the arithmetic takes a few hundred microseconds. Here nothing is defined
again: the row features and ratios are the groups' own expressions (:mod:`expressions`, which
evaluates them in Polars for the batch and in NumPy here), and the aggregations the groups' own
lists (``bureau.overall_specs()``, ``pos_cash.specs()``, the category lists), reduced with one
NumPy call per kind of aggregation for all of a table's summaries at once (overall, and on its
subsets: active credits, refused applications, recent instalments). What remains specific to
this path is the plumbing the batch does with joins and sorts: rows grouped by applicant,
``bureau_balance`` months by credit, the latest previous application, the instalment windows.
The tests hold every feature of this path against the batch's table (``tests/features``).

Each table's rows become NumPy columns: numbers as floats (NaN where missing), categories as the
codes of ``common.encode_categories``. A value of another type than its column's (only a caller
other than the service, which validates every row, can send one) raises :class:`Unsupported`:
the caller then takes the Polars path, whose cast decides as the raw layer does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from operator import itemgetter
from typing import Any

import numpy as np
import polars as pl

from credit_assets.features import (
    application,
    bureau,
    credit_card,
    installments,
    pos_cash,
    previous,
)
from credit_assets.features.application import MISSING_CATEGORY
from credit_assets.features.categories import BUREAU, PREVIOUS
from credit_assets.features.common import KEY, ByIdentity
from credit_assets.features.expressions import Stages, derive, evaluate, quietly
from credit_assets.features.history import raw_types, raw_value
from credit_assets.features.rows import CheckedHistory, HistoryRows
from credit_assets.features.summary import Agg, aggs, indicator, indicator_names

Columns = dict[str, np.ndarray]
"""Feature columns by name, one float64 value per applicant (NaN where missing)."""
NAN = np.nan
MAX_PLANS = 256


class Unsupported(Exception):
    """A value this path does not convert as the raw layer would (the Polars path does)."""


@dataclass(frozen=True)
class Rows:
    """One side table's rows: each column as floats (NaN missing), and the group of each row
    (the applicant's position, or the credit's), in non-decreasing order."""

    columns: Columns
    owner: np.ndarray

    def __getitem__(self, column: str) -> np.ndarray:
        return self.columns[column]

    def with_columns(self, columns: Mapping[str, np.ndarray]) -> Rows:
        return Rows({**self.columns, **columns}, self.owner)

    def matrix(self, columns: Sequence[str]) -> np.ndarray:
        """``columns`` as the rows of one matrix (columns x rows)."""
        if not columns:
            return np.empty((0, self.owner.size))
        return np.array([self.columns[c] for c in columns])


class Block(Mapping[str, np.ndarray]):
    """Features computed together: their names and one matrix of their values (a row per
    applicant, a column per name), read by name like :data:`Columns`.

    A table's summaries are hundreds of features; kept as one matrix, they reach the feature
    row in one assignment, where a column per name cost a NumPy view, a dictionary entry and a
    concatenation each.
    """

    def __init__(
        self, names: tuple[str, ...], matrix: np.ndarray, positions: Mapping[str, int] | None = None
    ) -> None:
        self.names, self.matrix = names, matrix
        self._positions = positions

    @classmethod
    def derived(cls, stages: Stages, columns: Mapping[str, np.ndarray]) -> Block:
        """The columns the stages make from ``columns`` (``expressions.derive``)."""
        names, values = derive(stages, columns)
        return cls(names, values.T)

    @property
    def positions(self) -> Mapping[str, int]:
        """Each name's column."""
        if self._positions is None:
            self._positions = {name: i for i, name in enumerate(self.names)}
        return self._positions

    def __getitem__(self, name: str) -> np.ndarray:
        return self.matrix[:, self.positions[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def set(self, name: str, values: np.ndarray) -> None:
        """``name``'s values replaced (in place)."""
        self.matrix[:, self.positions[name]] = values


def application_features(
    records: Sequence[Mapping[str, Any]],
) -> tuple[Columns, dict[str, np.ndarray]]:
    """``application.application_features`` of the applicants' raw fields (Kaggle names, every
    name checked, missing left out or None): the numeric columns, and the text columns (object
    arrays, None missing).

    Raises:
        Unsupported: if a value is not of its field's type.
    """
    table = "application_test"
    numbers = _columns(table, records, {})
    texts = {column: _texts(records, column) for column in _text_columns(table)}
    return evaluate((application.cleaning(), application.derived()), numbers), texts


def _texts(records: Sequence[Mapping[str, Any]], column: str) -> np.ndarray:
    """A text field of every applicant, ``MISSING_CATEGORY`` made missing (as the batch does)."""
    values = [record.get(column) for record in records]
    return np.array([None if v == MISSING_CATEGORY else v for v in values], dtype=object)


def side_features(histories: Sequence[HistoryRows | None]) -> list[Block]:
    """Every side-table feature of the applicants, one value per applicant (missing for one
    without rows in the group's table), by the batch's column names.

    Raises:
        ValueError: naming the table, if a row holds a column the table does not have.
        Unsupported: if a value is not of its column's type.
    """
    applicants = len(histories)
    return [block for compute in GROUPS.values() for block in compute(histories, applicants)]


# --- the rows ---------------------------------------------------------------------------------


def table_rows(
    histories: Sequence[HistoryRows | None],
    table: str,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> Rows:
    """Every column of ``table`` in the applicants' histories, owned by the applicant: numbers,
    and the ``categories`` columns as their codes (other text columns are not read)."""
    rows: list[Mapping[str, Any]] = []
    owner: list[int] = []
    for position, history in enumerate(histories):
        given = (history or {}).get(table, ())
        rows.extend(given)
        owner.extend([position] * len(given))
    checked = all(isinstance(h, CheckedHistory) for h in histories if h is not None)
    if not checked:
        _check_columns(table, rows)
    columns = _columns(table, rows, categories or {}, checked)
    return Rows(columns, np.array(owner, dtype=np.int64))


def _check_columns(table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    unknown = sorted({c for row in rows for c in row} - raw_types(table).keys())
    if unknown:
        raise ValueError(f"not {table} columns: {unknown}")


def _columns(
    table: str,
    rows: Sequence[Mapping[str, Any]],
    categories: Mapping[str, Sequence[str]],
    checked: bool = False,
) -> Columns:
    """Every number column of ``table`` and the ``categories`` columns, as floats (the rows'
    types checked first, unless they are ``checked``: a validated history's, with every column)."""
    numbers, texts = _layout(table, tuple(categories))
    if checked:  # every column present: each row's values in one call
        matrix = np.array(list(map(itemgetter(*numbers), rows)), dtype=np.float64)
    else:
        _check_types(table, rows)
        matrix = np.array([[row.get(c) for c in numbers] for row in rows], dtype=np.float64)
    found: Columns = dict(zip(numbers, matrix.reshape(len(rows), len(numbers)).T, strict=True))
    for column in texts:
        found[column] = _codes([row.get(column) for row in rows], categories[column])
    return found


@cache
def _text_columns(table: str) -> tuple[str, ...]:
    return tuple(c for c, kind in raw_types(table).items() if kind == pl.String)


@cache
def _layout(table: str, categories: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The number columns of a table (its key left out) and the category columns read."""
    types = raw_types(table)
    numbers = tuple(c for c, kind in types.items() if kind != pl.String and c != KEY)
    return numbers, tuple(c for c in categories if c in types)


def _check_types(table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Raises :class:`Unsupported` for a value the column's cast would change (None, a value
    left out, is missing): a float or other non-integer in an integer column, text in a number
    column, a number in a text column."""
    allowed = _allowed_types(table)
    for row in rows:
        for column, value in row.items():
            if type(value) not in allowed[column]:
                raise Unsupported(f"{table}.{column} holds a {type(value).__name__}")


@cache
def _allowed_types(table: str) -> dict[str, frozenset[type]]:
    kinds = {pl.Int64: _INTEGER_TYPES, pl.Float64: _NUMBER_TYPES, pl.String: _TEXT_TYPES}
    return {c: kinds[kind] for c, kind in raw_types(table).items()}


def _codes(values: list[Any], listed: Sequence[str]) -> np.ndarray:
    """``common.encode_categories``' codes: the value's position in the list, ``len(listed)``
    for another value, NaN for missing (or text the CSV reader takes for missing)."""
    index = _positions(tuple(listed))
    other = len(listed)
    values = [raw_value(v) for v in values]
    return np.array([NAN if v is None else index.get(v, other) for v in values], np.float64)


_NUMBER_TYPES = frozenset({int, float, type(None)})
_INTEGER_TYPES = frozenset({int, type(None)})
_TEXT_TYPES = frozenset({str, type(None)})


@cache
def _positions(listed: tuple[str, ...]) -> dict[str, int]:
    return {v: i for i, v in enumerate(listed)}


# --- summaries --------------------------------------------------------------------------------


def summarise(
    rows: Rows,
    specs: Sequence[Agg],
    groups: int,
    categories: Mapping[str, Sequence[str]] | None = None,
    category_prefix: str = "",
    category_hows: Sequence[str] = ("mean",),
    subsets: Sequence[tuple[Sequence[Agg], np.ndarray]] = (),
) -> Block:
    """``summary.summarise`` on ``rows``: one value per group (``0 .. groups - 1``, missing for a
    group without rows), for every ``Agg`` then every category indicator. Each of ``subsets``
    (aggregations, and the rows where they apply: active credits, refused applications, ...)
    adds its own summary of the rows where its flag is 1 (missing counts as not kept, as in a
    Polars filter).

    Every summary is computed in one pass: the rows of each are laid one after the other (group
    ``g`` of the ``p``-th summary keyed ``p * groups + g``) and aggregated together, each
    aggregation over the columns any summary needs, then each summary takes its outputs with
    one gather. On a new applicant's rows the NumPy calls cost more than the arithmetic, and a
    table's two or three summaries made the same calls each.
    """
    plans = (
        _plan_of(specs, categories, category_prefix, tuple(category_hows)),
        *(_plan_of(subset, None, "", ("mean",)) for subset, _ in subsets),
    )
    fused = _fused_of(plans)
    values, owner = rows.matrix(fused.read), rows.owner
    if subsets:
        kept = [np.arange(owner.size), *(np.flatnonzero(keep == 1) for _, keep in subsets)]
        keys = [owner[k] + p * groups for p, k in enumerate(kept)]
        values, owner = values[:, np.concatenate(kept)], np.concatenate(keys)
    found = np.full((groups, len(fused.names)), NAN)
    if not owner.size:
        return Block(fused.names, found, fused.positions)
    starts, sizes = _segments(owner)
    keys = owner[starts]
    every = _aggregated(values, fused, starts, sizes)
    bounds = np.searchsorted(keys, np.arange(len(plans) + 1) * groups).tolist()
    for p, plan in enumerate(plans):
        lo, hi = bounds[p], bounds[p + 1]
        if hi == lo:
            continue
        outputs = every[lo:hi][:, fused.outputs[p]]
        if plan.categories:
            first, last = starts[lo], starts[hi - 1] + sizes[hi - 1]
            codes = values[fused.codes[p], first:last]
            segments = (starts[lo:hi] - first, sizes[lo:hi])
            outputs = np.hstack([outputs, _indicators(codes, plan, *segments)])
        found[keys[lo:hi] - p * groups, fused.spans[p]] = outputs
    return Block(fused.names, found, fused.positions)


def _segments(owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal (sorted) keys starts, and its length."""
    if not owner.size:
        return owner[:0], owner[:0]
    changes = np.empty(owner.size, dtype=bool)
    changes[0] = True
    np.not_equal(owner[1:], owner[:-1], out=changes[1:])
    starts = np.flatnonzero(changes)
    sizes = np.empty_like(starts)
    sizes[:-1] = starts[1:] - starts[:-1]
    sizes[-1] = owner.size - starts[-1]
    return starts, sizes


def _aggregated(
    values: np.ndarray, fused: _Fused, starts: np.ndarray, sizes: np.ndarray
) -> np.ndarray:
    """Per segment of rows: its size, then each aggregation of the fused plan over its columns
    (pandas' rules: missing skipped, a sum of nothing 0, a mean, minimum or maximum of nothing
    missing, a variance of fewer than two values missing)."""
    blocks = [sizes[:, None].astype(np.float64)]
    if fused.hows:
        moments = _Moments(values[: len(fused.columns)].T, starts, sizes)
        blocks += [moments.get(how, columns) for how, columns in fused.hows]
    return np.concatenate(blocks, axis=1)


_PLANS: dict[tuple[int, int, str, tuple[str, ...]], tuple[Any, Any, _Plan]] = {}


def _plan_of(
    specs: Sequence[Agg],
    categories: Mapping[str, Sequence[str]] | None,
    prefix: str,
    hows: tuple[str, ...],
) -> _Plan:
    """The plan of a summary, looked up by the identity of its lists: the groups pass the same
    cached objects on every request, and hashing their few hundred aggregations cost more than
    the lookup saves."""
    key = (id(specs), id(categories), prefix, hows)
    found = _PLANS.get(key)
    if found is None or found[0] is not specs or found[1] is not categories:
        listed = tuple((c, tuple(v)) for c, v in (categories or {}).items())
        found = (specs, categories, _plan(tuple(specs), listed, prefix, hows))
        if len(_PLANS) < MAX_PLANS:  # lists built per call would fill it: they are not kept
            _PLANS[key] = found
    return found[2]


@dataclass(frozen=True)
class _Plan:
    """A summary's output names, the distinct columns it reads, and for each aggregation the
    positions of its columns among them and of its outputs among the names (the other outputs
    before the indicators are sizes)."""

    names: tuple[str, ...]
    columns: tuple[str, ...]
    hows: tuple[tuple[str, np.ndarray, np.ndarray], ...]
    categories: tuple[tuple[str, int], ...]
    category_hows: tuple[str, ...]

    @cached_property
    def counted(self) -> _Counted:
        """Where the category codes are counted (a plan with categories only)."""
        return _Counted.of(self.categories)


@cache
def _plan(
    specs: tuple[Agg, ...],
    categories: tuple[tuple[str, tuple[str, ...]], ...],
    prefix: str,
    category_hows: tuple[str, ...],
) -> _Plan:
    names = [a.name for a in specs]
    for column, values in categories:
        names += indicator_names(prefix, column, values, category_hows)
    read = [a for a in specs if a.how != "size"]
    columns = tuple(dict.fromkeys(a.column for a in read))
    hows = []
    for how in dict.fromkeys(a.how for a in read):
        chosen = [(columns.index(a.column), i) for i, a in enumerate(specs) if a.how == how]
        hows.append((how, np.array([c for c, _ in chosen]), np.array([i for _, i in chosen])))
    listed = tuple((column, len(values)) for column, values in categories)
    return _Plan(tuple(names), columns, tuple(hows), listed, category_hows)


@dataclass(frozen=True)
class _Counted:
    """Where a summary's category codes are counted, worked out once per plan (plans are
    cached): each column's span among the counts (its listed values, another value, missing)
    starts at its ``offset``, its code for missing is ``missing``, and ``kept`` are the counts
    that become indicators (every listed value, then missing; another value is counted but not
    reported)."""

    total: int
    offsets: np.ndarray
    missing: np.ndarray
    kept: np.ndarray

    @classmethod
    def of(cls, categories: tuple[tuple[str, int], ...]) -> _Counted:
        widths = [listed + 2 for _, listed in categories]
        offsets = np.cumsum([0, *widths[:-1]])
        kept = [o + v for o, w in zip(offsets, widths, strict=True) for v in (*range(w - 2), w - 1)]
        return cls(sum(widths), offsets[:, None], np.array(widths)[:, None] - 1, np.array(kept))


@dataclass(frozen=True)
class _Fused:
    """Summaries computed in one pass: the columns any of them aggregates then every category
    column (``read``), each aggregation over the columns any summary applies it to, and for each
    summary where its outputs are among the aggregated block (size first, then each
    aggregation's columns) and the positions of its category columns in ``read``."""

    read: tuple[str, ...]
    columns: tuple[str, ...]
    hows: tuple[tuple[str, np.ndarray], ...]
    outputs: tuple[np.ndarray, ...]
    codes: tuple[list[int], ...]
    names: tuple[str, ...]
    """Every summary's output names, one after the other."""
    spans: tuple[slice, ...]
    """Where each summary's outputs are among ``names``."""

    @cached_property
    def positions(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}


_fusions: ByIdentity[_Fused] = ByIdentity(lambda *plans: _fuse(plans), MAX_PLANS)


def _fused_of(plans: tuple[_Plan, ...]) -> _Fused:
    """The fused plan of ``plans``, looked up by their identity (plans are cached)."""
    return _fusions(*plans)


def _fuse(plans: tuple[_Plan, ...]) -> _Fused:
    columns = tuple(dict.fromkeys(c for plan in plans for c in plan.columns))
    wanted: dict[str, dict[str, None]] = {}
    for plan in plans:
        for how, positions, _ in plan.hows:
            wanted.setdefault(how, {}).update(dict.fromkeys(plan.columns[i] for i in positions))
    offsets, start = {}, 1  # column 0: the segment's size
    for how, names in wanted.items():
        offsets[how] = {name: start + i for i, name in enumerate(names)}
        start += len(names)
    hows = tuple(
        (how, np.array([columns.index(n) for n in names], dtype=np.int64))
        for how, names in wanted.items()
    )
    outputs, codes, read = [], [], list(columns)
    for plan in plans:
        at = np.zeros(len(plan.names) - _indicator_count(plan), dtype=np.int64)
        for how, positions, slots in plan.hows:
            at[slots] = [offsets[how][plan.columns[i]] for i in positions]
        outputs.append(at)
        codes.append(list(range(len(read), len(read) + len(plan.categories))))
        read += [c for c, _ in plan.categories]
    names = tuple(name for plan in plans for name in plan.names)
    ends = np.cumsum([len(plan.names) for plan in plans]).tolist()
    spans = tuple(slice(end - len(plan.names), end) for plan, end in zip(plans, ends, strict=True))
    return _Fused(tuple(read), columns, hows, tuple(outputs), tuple(codes), names, spans)


def _indicator_count(plan: _Plan) -> int:
    return sum(listed + 1 for _, listed in plan.categories) * len(plan.category_hows)


def _indicators(
    codes: np.ndarray, plan: _Plan, starts: np.ndarray, sizes: np.ndarray
) -> np.ndarray:
    """``summary._category_columns`` of every category column at once (``codes``: columns x
    rows), one row per segment: the ones of each listed value and of missing are counted with a
    single ``bincount``."""
    counted = plan.counted
    codes = np.where(np.isnan(codes), counted.missing, codes).astype(np.int64)
    segment = np.repeat(np.arange(starts.size), sizes)
    flat = (segment * counted.total)[None, :] + counted.offsets + codes
    counts = np.bincount(flat.ravel(), minlength=starts.size * counted.total)
    hits = counts.reshape(starts.size, counted.total)[:, counted.kept].astype(np.float64)
    n = sizes.astype(np.float64)[:, None]
    every = np.stack([indicator(hits, n, how) for how in plan.category_hows], axis=2)
    return every.reshape(starts.size, counted.kept.size * len(plan.category_hows))


class _Moments:
    """Aggregations of a matrix's columns per segment of rows, sharing counts and totals."""

    def __init__(self, matrix: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> None:
        self.matrix, self.starts, self.sizes = matrix, starts, sizes

    def get(self, how: str, columns: np.ndarray) -> np.ndarray:
        starts = self.starts
        if how == "min":
            return np.fmin.reduceat(self.matrix[:, columns], starts, axis=0)
        if how == "max":
            return np.fmax.reduceat(self.matrix[:, columns], starts, axis=0)
        if how == "first":
            return self.matrix[starts][:, columns]
        if how == "last":
            return self.matrix[starts + self.sizes - 1][:, columns]
        if how == "nunique":
            return self._distinct(columns)
        if how == "count":
            return self.count[:, columns]
        if how == "sum":
            return self.total[:, columns]
        if how == "mean":
            return self.mean[:, columns]
        if how == "var":
            return self.variance[:, columns]
        raise ValueError(f"unknown aggregation {how!r}")

    @cached_property
    def valid(self) -> np.ndarray:
        return ~np.isnan(self.matrix)

    @cached_property
    def count(self) -> np.ndarray:
        return np.add.reduceat(self.valid, self.starts, axis=0).astype(np.float64)

    @cached_property
    def total(self) -> np.ndarray:
        return np.add.reduceat(np.where(self.valid, self.matrix, 0.0), self.starts, axis=0)

    @cached_property
    def mean(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.total / self.count

    @cached_property
    def variance(self) -> np.ndarray:
        segment = np.repeat(np.arange(self.starts.size), self.sizes)
        count = self.count
        with np.errstate(invalid="ignore", divide="ignore"):  # inf - inf, 0 / 0: missing
            deviation = np.where(self.valid, self.matrix - self.mean[segment], 0.0)
            squares = np.add.reduceat(deviation * deviation, self.starts, axis=0)
            return np.where(count > 1, squares / (count - 1), NAN)

    def _distinct(self, columns: np.ndarray) -> np.ndarray:
        parts = np.split(self.matrix[:, columns], self.starts[1:])
        return np.array([_distinct_values(part) for part in parts], np.float64)


def _distinct_values(values: np.ndarray) -> np.ndarray:
    """How many distinct values other than missing each column holds (rows x columns), as
    ``np.unique`` counts them, all columns sorted in one call: NaN sorts last, so the values
    that are not missing come first and each that differs from the one before it is new."""
    if not values.shape[0]:
        return np.zeros(values.shape[1], np.int64)
    ordered = np.sort(values, axis=0)
    present = ~np.isnan(ordered)
    new = present[1:] & (ordered[1:] != ordered[:-1])
    return present[0].astype(np.int64) + np.count_nonzero(new, axis=0)


# --- the groups: their own row features, aggregations and ratios ------------------------------


def _bureau(histories: Sequence[HistoryRows | None], applicants: int) -> list[Block]:
    """``bureau.bureau_features``."""
    credits = table_rows(histories, "bureau", BUREAU)
    credits = credits.with_columns(_balance_per_credit(histories, credits))
    credits = credits.with_columns(evaluate(bureau.credit_features(), credits.columns))
    subsets = (
        (bureau.active_specs(), credits["ACTIVE"]),
        (aggs(bureau.NUMERIC, "CLOSED"), credits["CLOSED"]),
    )
    found = summarise(credits, bureau.overall_specs(), applicants, BUREAU, "BURO", subsets=subsets)
    return [found, Block.derived(bureau.client_ratios(), found)]


def _balance_per_credit(histories: Sequence[HistoryRows | None], credits: Rows) -> Block:
    """``bureau._balance_summary`` of each bureau row's credit (missing for one without months):
    a month belongs to the credit of its applicant with its ``SK_ID_BUREAU``."""
    credit_of = {
        (int(position), key): row
        for row, (position, key) in enumerate(
            zip(credits.owner, credits[bureau.CREDIT_KEY], strict=True)
        )
        if key == key
    }
    months = table_rows(histories, "bureau_balance", bureau.STATUSES)
    rows = np.array(
        [
            credit_of.get((int(position), key), -1)
            for position, key in zip(months.owner, months[bureau.CREDIT_KEY], strict=True)
        ],
        dtype=np.int64,
    )
    order = np.argsort(rows, kind="stable")
    order = order[rows[order] >= 0]  # months of a credit the bureau rows lack count for nothing
    months = Rows({c: v[order] for c, v in months.columns.items()}, rows[order])
    months = months.with_columns(evaluate(bureau.month_features(), months.columns))
    return summarise(months, bureau.balance_specs(), credits.owner.size, bureau.STATUSES)


def _previous(histories: Sequence[HistoryRows | None], applicants: int) -> list[Block]:
    """``previous.previous_features``."""
    rows = table_rows(histories, "previous_application", PREVIOUS)
    rows = rows.with_columns(evaluate(previous.row_features(), rows.columns))
    outcomes = [(aggs(previous.AGGREGATED, o), rows[o]) for o in ("APPROVED", "REFUSED")]
    found = summarise(
        rows, previous.overall_specs(), applicants, PREVIOUS, "PREV", subsets=outcomes
    )
    # The latest application: by decision day then SK_ID_PREV, missing first as Polars sorts.
    order = np.lexsort(
        (_missing_first(rows["SK_ID_PREV"]), _missing_first(rows["DAYS_DECISION"]), rows.owner)
    )
    latest = Rows({c: rows[c][order] for c in previous.LAST.values()}, rows.owner[order])
    return [found, summarise(latest, previous.last_specs(), applicants)]


def _missing_first(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), -np.inf, values)


def _installments(histories: Sequence[HistoryRows | None], applicants: int) -> list[Block]:
    """``installments.installment_features``."""
    rows = table_rows(histories, "installments_payments")
    rows = rows.with_columns(evaluate(installments.row_features(), rows.columns))
    windows = [installments.window_specs(days) for days in installments.RECENT_DAYS]
    with quietly():
        recent = [
            installments.in_window(days).numpy(rows.columns) for days in installments.RECENT_DAYS
        ]
    subsets = [(specs, where) for (specs, _), where in zip(windows, recent, strict=True)]
    found = summarise(rows, installments.overall_specs(), applicants, subsets=subsets)
    paying = ~np.isnan(found["INSTAL_COUNT"])
    for name in (name for _, zeros in windows for name in zeros):
        # a client without payments in a window made none there
        found.set(name, np.where(paying & np.isnan(found[name]), 0.0, found[name]))
    return [found]


def _pos_cash(histories: Sequence[HistoryRows | None], applicants: int) -> list[Block]:
    """``pos_cash.pos_cash_features``."""
    rows = table_rows(histories, "POS_CASH_balance", pos_cash.STATUSES)
    rows = rows.with_columns(evaluate(pos_cash.month_features(), rows.columns))
    found = summarise(rows, pos_cash.specs(), applicants, pos_cash.STATUSES, "POS")
    return [found, Block.derived(pos_cash.client_ratios(), found)]


def _credit_card(histories: Sequence[HistoryRows | None], applicants: int) -> list[Block]:
    """``credit_card.credit_card_features``."""
    rows = table_rows(histories, "credit_card_balance", credit_card.STATUSES)
    rows = rows.with_columns(evaluate(credit_card.row_features(), rows.columns))
    found = summarise(
        rows, credit_card.specs(), applicants, credit_card.STATUSES, "CC", credit_card.AGGREGATIONS
    )
    return [found, Block.derived(credit_card.client_ratios(), found)]


GroupFeatures = Callable[[Sequence[HistoryRows | None], int], list[Block]]
GROUPS: dict[str, GroupFeatures] = {
    "bureau": _bureau,
    "installments_payments": _installments,
    "previous_application": _previous,
    "POS_CASH_balance": _pos_cash,
    "credit_card_balance": _credit_card,
}
"""Each side-table group's features of the applicants (histories, applicant count), by the
table whose rows it reads first: :func:`side_features` computes them in this order."""
