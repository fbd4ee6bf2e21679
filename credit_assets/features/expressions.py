"""Row-level feature expressions written once, evaluated by Polars or by NumPy.

The batch computes a client's features with Polars over millions of rows. A new applicant has a
few rows, on which every Polars query costs its planning (a hundred microseconds or more) while
the arithmetic costs a few: the service evaluates the same expressions in NumPy instead
(:mod:`credit_assets.features.online`). An :class:`Expr` carries both forms, built side by side
by the same operators, so a feature's definition exists once:

>>> late = col("SK_DPD") > 0
>>> pl.DataFrame({"SK_DPD": [0, 3, None]}).select(late.polars)["SK_DPD"].to_list()
[False, True, None]
>>> late.numpy({"SK_DPD": np.array([0.0, 3.0, np.nan])})
array([ 0.,  1., nan])

In NumPy a column is float64 with NaN where Polars holds a missing value (a flag is 1.0 or 0.0),
and each operation follows Polars' rules for missing values: a comparison or an arithmetic
operation with a missing operand is missing, ``&`` is Kleene's (false if either side is false),
a horizontal sum skips missing values (0 when all are). ``tests/features/test_expressions.py``
holds every group's expressions to equal results on random rows with missing values, zeros and
sentinels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import polars as pl

Columns = Mapping[str, np.ndarray]
Evaluate = Callable[[Columns], np.ndarray]
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)
NAN = np.nan


class Expr:
    """A row-level expression: a Polars expression and the NumPy function computing the same."""

    __slots__ = ("numpy", "polars")
    __hash__ = None  # type: ignore[assignment]  # == builds an expression, as in Polars

    def __init__(self, polars: pl.Expr, numpy: Evaluate) -> None:
        self.polars = polars
        self.numpy = numpy

    # comparisons: 1.0 or 0.0, missing where an operand is
    def __gt__(self, other: Expr | float) -> Expr:
        return _compare(self, other, np.greater, lambda a, b: a > b)

    def __ge__(self, other: Expr | float) -> Expr:
        return _compare(self, other, np.greater_equal, lambda a, b: a >= b)

    def __lt__(self, other: Expr | float) -> Expr:
        return _compare(self, other, np.less, lambda a, b: a < b)

    def __le__(self, other: Expr | float) -> Expr:
        return _compare(self, other, np.less_equal, lambda a, b: a <= b)

    def __eq__(self, other: Expr | float) -> Expr:  # type: ignore[override]
        return _compare(self, other, np.equal, lambda a, b: a == b)

    def __ne__(self, other: Expr | float) -> Expr:  # type: ignore[override]
        return _compare(self, other, np.not_equal, lambda a, b: a != b)

    def __and__(self, other: Expr) -> Expr:
        """Kleene's and: false if either side is false, else missing if either side is."""

        def both(c: Columns) -> np.ndarray:
            a, b = self.numpy(c), other.numpy(c)
            return np.where((a == 0) | (b == 0), 0.0, a * b)

        return Expr(self.polars & other.polars, both)

    # arithmetic: missing where an operand is; x / 0 is infinite, 0 / 0 NaN (as in Polars)
    def __add__(self, other: Expr | float) -> Expr:
        return _arithmetic(self, other, np.add, lambda a, b: a + b)

    def __sub__(self, other: Expr | float) -> Expr:
        return _arithmetic(self, other, np.subtract, lambda a, b: a - b)

    def __mul__(self, other: Expr | float) -> Expr:
        return _arithmetic(self, other, np.multiply, lambda a, b: a * b)

    def __truediv__(self, other: Expr | float) -> Expr:
        return _arithmetic(self, other, np.divide, lambda a, b: a / b)

    def __pow__(self, power: float) -> Expr:
        return _arithmetic(self, power, np.power, lambda a, b: a**b)

    def __neg__(self) -> Expr:
        return Expr(-self.polars, lambda c: -self.numpy(c))

    def fill_null(self, value: float) -> Expr:
        def filled(c: Columns) -> np.ndarray:
            values = self.numpy(c)
            return np.where(np.isnan(values), float(value), values)

        return Expr(self.polars.fill_null(value), filled)

    def fill_nan(self, value: None) -> Expr:
        """NaN made missing: the same value in NumPy, where NaN is missing."""
        return Expr(self.polars.fill_nan(value), self.numpy)

    def clip_below(self, bound: float) -> Expr:
        def clipped(c: Columns) -> np.ndarray:
            values = self.numpy(c)
            return np.where(np.isnan(values), NAN, np.maximum(values, bound))

        return Expr(self.polars.clip(lower_bound=bound), clipped)

    def is_between(self, low: float, high: float) -> Expr:
        def between(c: Columns) -> np.ndarray:
            values = self.numpy(c)
            return _missing_where((values >= low) & (values <= high), values)

        return Expr(self.polars.is_between(low, high), between)

    def is_null(self) -> Expr:
        return Expr(self.polars.is_null(), lambda c: np.isnan(self.numpy(c)).astype(np.float64))

    def is_not_null(self) -> Expr:
        return Expr(self.polars.is_not_null(), lambda c: (~np.isnan(self.numpy(c))) * 1.0)

    def sqrt(self) -> Expr:
        return Expr(self.polars.sqrt(), lambda c: np.sqrt(self.numpy(c)))

    def cast(self, dtype: type[pl.DataType] | pl.DataType) -> Expr:
        """A numeric cast: the Polars column's type; the NumPy values stay floats."""
        return Expr(self.polars.cast(dtype), self.numpy)

    def eq_missing(self, value: float) -> Expr:
        """``value`` equality where missing is a value: never missing."""
        return Expr(self.polars.eq_missing(value), lambda c: (self.numpy(c) == value) * 1.0)


Stage = Mapping[str, "Expr"]
"""Named expressions computed side by side."""
Stages = tuple[Stage, ...]
"""Stages in order: a stage may read the columns of the stages before it."""


def col(name: str) -> Expr:
    return Expr(pl.col(name), lambda c: c[name])


def lit(value: float) -> Expr:
    return Expr(pl.lit(value), lambda c: np.full(_length(c), float(value)))


def when(condition: Expr, value: Expr | float | None, otherwise: Expr | None = None) -> Expr:
    """``pl.when(condition).then(value)[.otherwise(otherwise)]``: ``value`` where the condition
    holds, else ``otherwise`` (missing if not given); a ``value`` of None is missing."""
    then = value if isinstance(value, Expr) else None if value is None else lit(value)
    polars = pl.when(condition.polars).then(None if then is None else then.polars)
    if otherwise is not None:
        polars = polars.otherwise(otherwise.polars)

    def chosen(c: Columns) -> np.ndarray:
        holds = condition.numpy(c) == 1
        value = NAN if then is None else then.numpy(c)
        return np.where(holds, value, NAN if otherwise is None else otherwise.numpy(c))

    return Expr(polars, chosen)


def is_value(categories: Mapping[str, Sequence[str]], column: str, value: str) -> Expr:
    """True where the column (encoded by ``common.encode_categories``) holds ``value``; false
    where it is missing."""
    return col(column).eq_missing(list(categories[column]).index(value))


def sentinel_to_null(columns: Sequence[str], sentinel: float) -> dict[str, Expr]:
    """Each column with ``sentinel`` (the 365243 "infinity" of day columns) made missing."""
    return {c: when(col(c) == sentinel, None, col(c)) for c in columns}


def ratio(numerator: Expr, denominator: Expr) -> Expr:
    """``numerator / denominator``, missing when the denominator is zero or missing."""
    return when(denominator != 0, numerator.cast(pl.Float64) / denominator)


def div(numerator: Expr, denominator: Expr) -> Expr:
    """``numerator / denominator`` as pandas computes it: x/0 is infinite, 0/0 is missing.

    Used for the recipe's own ratios so aggregates match it; infinities become missing when the
    client table is assembled.
    """
    return (numerator.cast(pl.Float64) / denominator).fill_nan(None)


def sum_horizontal(parts: Sequence[Expr], ignore_nulls: bool = True) -> Expr:
    """Row sums; missing values count as 0 (``ignore_nulls``), or make the sum missing."""

    def total(c: Columns) -> np.ndarray:
        values = np.array([p.numpy(c) for p in parts])
        return (_zero_missing(values) if ignore_nulls else values).sum(axis=0)

    return Expr(pl.sum_horizontal([p.polars for p in parts], ignore_nulls=ignore_nulls), total)


def mean_horizontal(parts: Sequence[Expr]) -> Expr:
    """Row means of the values present, missing where none is."""

    def mean(c: Columns) -> np.ndarray:
        values = np.array([p.numpy(c) for p in parts])
        missing = np.isnan(values)
        present = len(parts) - missing.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(missing, 0.0, values).sum(axis=0) / present

    return Expr(pl.mean_horizontal([p.polars for p in parts]), mean)


def min_horizontal(parts: Sequence[Expr]) -> Expr:
    return Expr(
        pl.min_horizontal([p.polars for p in parts]),
        lambda c: np.fmin.reduce(np.array([p.numpy(c) for p in parts]), axis=0),
    )


def max_horizontal(parts: Sequence[Expr]) -> Expr:
    return Expr(
        pl.max_horizontal([p.polars for p in parts]),
        lambda c: np.fmax.reduce(np.array([p.numpy(c) for p in parts]), axis=0),
    )


def evaluate(stages: Stages, columns: Columns) -> dict[str, np.ndarray]:
    """``columns`` with every stage's expressions added in order (a stage reads the earlier
    ones), as ``frame.with_columns`` stage after stage would."""
    found = dict(columns)
    with quietly():
        for stage in stages:
            found.update({name: expr.numpy(found) for name, expr in stage.items()})
    return found


def quietly() -> np.errstate:
    """NumPy's floating-point warnings off: a division by zero is infinite or NaN, an overflow
    infinite, as Polars computes them without a word. Entered once around a whole evaluation
    (``evaluate``, or a caller of ``Expr.numpy``), not per operation: a request evaluates a
    hundred of them and the context costs a few microseconds each time."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


def with_stages(frame: Frame, stages: Stages) -> Frame:
    """``frame`` with every stage's columns added in order."""
    for stage in stages:
        frame = frame.with_columns(expr.polars.alias(name) for name, expr in stage.items())
    return frame


def _length(columns: Columns) -> int:
    return next(iter(columns.values())).shape[0]


def _zero_missing(values: np.ndarray) -> np.ndarray:
    """Missing values as 0 (``np.nansum``'s rule, without its checks: a few microseconds a
    call, and a new applicant's features make dozens)."""
    return np.where(np.isnan(values), 0.0, values)


def _missing_where(values: np.ndarray, *operands: np.ndarray | float) -> np.ndarray:
    missing = np.isnan(operands[0])
    for operand in operands[1:]:
        missing = missing | np.isnan(operand)
    return np.where(missing, NAN, values)


def _compare(
    left: Expr, right: Expr | float, ufunc: np.ufunc, build: Callable[[Any, Any], pl.Expr]
) -> Expr:
    """A comparison: 1.0 or 0.0, missing where an operand is."""
    return _binary(left, right, ufunc, build, missing_where_operands=True)


def _arithmetic(
    left: Expr, right: Expr | float, ufunc: np.ufunc, build: Callable[[Any, Any], pl.Expr]
) -> Expr:
    """An arithmetic operation: NaN (missing) propagates by itself."""
    return _binary(left, right, ufunc, build, missing_where_operands=False)


def _binary(
    left: Expr,
    right: Expr | float,
    ufunc: np.ufunc,
    build: Callable[[Any, Any], pl.Expr],
    missing_where_operands: bool,
) -> Expr:
    if isinstance(right, Expr):
        polars, operand = build(left.polars, right.polars), right.numpy
    else:
        constant = right
        polars, operand = build(left.polars, constant), lambda _: constant
    # A constant operand other than NaN is never missing: only the left one is checked.
    both = isinstance(right, Expr) or right != right

    def evaluate(c: Columns) -> Any:
        a, b = left.numpy(c), operand(c)
        values = ufunc(a, b)  # x / 0, 0 / 0, overflow: as in Polars (see ``quietly``)
        if not missing_where_operands:
            return values
        return _missing_where(values, a, b) if both else _missing_where(values, a)

    return Expr(polars, evaluate)
