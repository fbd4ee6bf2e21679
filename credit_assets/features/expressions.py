"""Row-level feature expressions written once, evaluated by Polars or by NumPy.

The batch computes a client's features with Polars over millions of rows. A new applicant has a
few rows, on which every Polars query costs its planning (a hundred microseconds or more) while
the arithmetic costs a few: the service evaluates the same expressions in NumPy instead
(:mod:`credit_assets.features.online`). An :class:`Expr` carries both forms, built side by side
by the same operators (the NumPy form a :class:`Node`: an operation, its operands and constants),
so a feature's definition exists once:

>>> late = col("SK_DPD") > 0
>>> pl.DataFrame({"SK_DPD": [0, 3, None]}).select(late.polars)["SK_DPD"].to_list()
[False, True, None]
>>> late.numpy({"SK_DPD": np.array([0.0, 3.0, np.nan])})
array([ 0.,  1., nan])

In NumPy a column is float64 with NaN where Polars holds a missing value (a flag is 1.0 or 0.0),
and each operation follows Polars' rules for missing values: a comparison or an arithmetic
operation with a missing operand is missing, ``&`` is Kleene's (false if either side is false),
a horizontal sum skips missing values (0 when all are). :func:`evaluate` computes a whole list of
stages at once, every ready node of a kind in one NumPy call. ``tests/features/test_expressions.py``
holds every group's expressions to equal results in Polars, node by node and compiled, on random
rows with missing values, zeros and sentinels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import polars as pl

from credit_assets.features.common import ByIdentity

Columns = Mapping[str, np.ndarray]
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)
NAN = np.nan
MAX_PROGRAMS = 64


@dataclass(frozen=True, eq=False)
class Node:
    """One operation of an expression: its kind (a key of ``KERNELS``, or ``col`` and ``lit``),
    what the kind fixes (a ufunc, a flag, a column's name), its operand expressions and its
    constants. Nodes of the same kind and ``static`` take their operands and constants the same
    way, so NumPy can compute many of them in one call (:func:`evaluate`)."""

    kind: str
    static: tuple[Any, ...] = ()
    operands: tuple[Expr, ...] = ()
    constants: tuple[float, ...] = ()


class Expr:
    """A row-level expression: a Polars expression and the :class:`Node` computing the same in
    NumPy."""

    __slots__ = ("node", "polars")
    __hash__ = None  # type: ignore[assignment]  # == builds an expression, as in Polars

    def __init__(self, polars: pl.Expr, node: Node) -> None:
        self.polars = polars
        self.node = node

    def numpy(self, columns: Columns) -> np.ndarray:
        """The expression's values on ``columns``, node by node (:func:`evaluate` computes
        whole stages, many nodes per NumPy call)."""
        node = self.node
        if node.kind == "col":
            return columns[node.static[0]]
        if node.kind == "lit":
            return np.full(_length(columns), node.constants[0])
        operands = [operand.numpy(columns) for operand in node.operands]
        if node.kind in STACKED:
            return KERNELS[node.kind](node.static, np.array(operands))
        return KERNELS[node.kind](node.static, *operands, *node.constants)

    # comparisons: 1.0 or 0.0, missing where an operand is
    def __gt__(self, other: Expr | float) -> Expr:
        return _binary(self, other, np.greater, lambda a, b: a > b, "compare")

    def __ge__(self, other: Expr | float) -> Expr:
        return _binary(self, other, np.greater_equal, lambda a, b: a >= b, "compare")

    def __lt__(self, other: Expr | float) -> Expr:
        return _binary(self, other, np.less, lambda a, b: a < b, "compare")

    def __le__(self, other: Expr | float) -> Expr:
        return _binary(self, other, np.less_equal, lambda a, b: a <= b, "compare")

    def __eq__(self, other: Expr | float) -> Expr:  # type: ignore[override]
        return _binary(self, other, np.equal, lambda a, b: a == b, "compare")

    def __ne__(self, other: Expr | float) -> Expr:  # type: ignore[override]
        return _binary(self, other, np.not_equal, lambda a, b: a != b, "compare")

    def __and__(self, other: Expr) -> Expr:
        """Kleene's and: false if either side is false, else missing if either side is."""
        return Expr(self.polars & other.polars, Node("and", (), (self, other)))

    # arithmetic: missing where an operand is; x / 0 is infinite, 0 / 0 NaN (as in Polars)
    def __add__(self, other: Expr | float) -> Expr:
        return _binary(self, other, np.add, lambda a, b: a + b, "arithmetic")

    def __sub__(self, other: Expr | float) -> Expr:
        return _binary(self, other, np.subtract, lambda a, b: a - b, "arithmetic")

    def __mul__(self, other: Expr | float) -> Expr:
        return _binary(self, other, np.multiply, lambda a, b: a * b, "arithmetic")

    def __truediv__(self, other: Expr | float) -> Expr:
        return _binary(self, other, np.divide, lambda a, b: a / b, "arithmetic")

    def __pow__(self, power: float) -> Expr:
        if power == 2:
            # A square as one multiplication: NumPy's power with an exponent per row (many
            # expressions stacked) takes the SIMD pow of AVX-512 machines, one ulp off a*a.
            return self._unary(self.polars**2, "square")
        return _binary(self, power, np.power, lambda a, b: a**b, "arithmetic")

    def __neg__(self) -> Expr:
        return self._unary(-self.polars, "neg")

    def fill_null(self, value: float) -> Expr:
        return self._unary(self.polars.fill_null(value), "fill_null", float(value))

    def fill_nan(self, value: None) -> Expr:
        """NaN made missing: the same value in NumPy, where NaN is missing."""
        return Expr(self.polars.fill_nan(value), self.node)

    def clip_below(self, bound: float) -> Expr:
        return self._unary(self.polars.clip(lower_bound=bound), "clip_below", float(bound))

    def is_between(self, low: float, high: float) -> Expr:
        return self._unary(self.polars.is_between(low, high), "is_between", low, high)

    def is_null(self) -> Expr:
        return self._unary(self.polars.is_null(), "is_null")

    def is_not_null(self) -> Expr:
        return self._unary(self.polars.is_not_null(), "is_not_null")

    def sqrt(self) -> Expr:
        return self._unary(self.polars.sqrt(), "sqrt")

    def cast(self, dtype: type[pl.DataType] | pl.DataType) -> Expr:
        """A numeric cast: the Polars column's type; the NumPy values stay floats."""
        return Expr(self.polars.cast(dtype), self.node)

    def eq_missing(self, value: float) -> Expr:
        """``value`` equality where missing is a value: never missing."""
        return self._unary(self.polars.eq_missing(value), "eq_missing", float(value))

    def _unary(self, polars: pl.Expr, kind: str, *constants: float) -> Expr:
        return Expr(polars, Node(kind, (), (self,), constants))


Stage = Mapping[str, "Expr"]
"""Named expressions computed side by side."""
Stages = tuple[Stage, ...]
"""Stages in order: a stage may read the columns of the stages before it."""


def col(name: str) -> Expr:
    return Expr(pl.col(name), Node("col", (name,)))


def lit(value: float) -> Expr:
    return Expr(pl.lit(value), Node("lit", (), (), (float(value),)))


def when(condition: Expr, value: Expr | float | None, otherwise: Expr | None = None) -> Expr:
    """``pl.when(condition).then(value)[.otherwise(otherwise)]``: ``value`` where the condition
    holds, else ``otherwise`` (missing if not given); a ``value`` of None is missing."""
    then = value if isinstance(value, Expr) else None if value is None else lit(value)
    polars = pl.when(condition.polars).then(None if then is None else then.polars)
    if otherwise is not None:
        polars = polars.otherwise(otherwise.polars)
    given = (then is not None, otherwise is not None)
    operands = (condition, *(e for e in (then, otherwise) if e is not None))
    return Expr(polars, Node("when", given, operands))


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
    polars = pl.sum_horizontal([p.polars for p in parts], ignore_nulls=ignore_nulls)
    return Expr(polars, Node("sum_horizontal", (ignore_nulls,), tuple(parts)))


def mean_horizontal(parts: Sequence[Expr]) -> Expr:
    """Row means of the values present, missing where none is."""
    polars = pl.mean_horizontal([p.polars for p in parts])
    return Expr(polars, Node("mean_horizontal", (), tuple(parts)))


def min_horizontal(parts: Sequence[Expr]) -> Expr:
    polars = pl.min_horizontal([p.polars for p in parts])
    return Expr(polars, Node("min_horizontal", (), tuple(parts)))


def max_horizontal(parts: Sequence[Expr]) -> Expr:
    polars = pl.max_horizontal([p.polars for p in parts])
    return Expr(polars, Node("max_horizontal", (), tuple(parts)))


# --- NumPy: each kind of node, on one expression's values or on many stacked -----------------
#
# A kernel receives its operands' values then its constants. Called by ``Expr.numpy`` they are
# one expression's: 1-D arrays and floats. Called by ``evaluate`` they are many expressions' of
# the same kind at once: one row per expression, constants as a column; every kernel is written
# to give each row what it would give alone.


def _compare(static: tuple[Any, ...], a: np.ndarray, b: Any) -> np.ndarray:
    """A comparison: 1.0 or 0.0, missing where an operand is (a constant operand other than
    NaN is never missing: only the left one is checked then)."""
    ufunc, both = static
    values = ufunc(a, b)
    return _missing_where(values, a, b) if both else _missing_where(values, a)


def _when(static: tuple[Any, ...], condition: np.ndarray, *given: np.ndarray) -> np.ndarray:
    has_then, has_otherwise = static
    then = given[0] if has_then else NAN
    otherwise = given[-1] if has_otherwise else NAN
    return np.where(condition == 1, then, otherwise)


def _sum(static: tuple[Any, ...], parts: np.ndarray) -> np.ndarray:
    return (_zero_missing(parts) if static[0] else parts).sum(axis=0)


def _mean(_: tuple[Any, ...], parts: np.ndarray) -> np.ndarray:
    missing = np.isnan(parts)
    present = parts.shape[0] - missing.sum(axis=0)
    return np.where(missing, 0.0, parts).sum(axis=0) / present


Kernel = Callable[..., np.ndarray]
KERNELS: dict[str, Kernel] = {
    "compare": _compare,
    "arithmetic": lambda s, a, b: s[0](a, b),  # NaN propagates; x / 0, overflow: see quietly
    "and": lambda _, a, b: np.where((a == 0) | (b == 0), 0.0, a * b),
    "neg": lambda _, a: -a,
    "fill_null": lambda _, a, value: np.where(np.isnan(a), value, a),
    "clip_below": lambda _, a, bound: np.where(np.isnan(a), NAN, np.maximum(a, bound)),
    "is_between": lambda _, a, low, high: _missing_where((a >= low) & (a <= high), a),
    "is_null": lambda _, a: np.isnan(a).astype(np.float64),
    "is_not_null": lambda _, a: (~np.isnan(a)) * 1.0,
    "sqrt": lambda _, a: np.sqrt(a),
    "square": lambda _, a: a * a,
    "eq_missing": lambda _, a, value: (a == value) * 1.0,
    "when": _when,
    "sum_horizontal": _sum,
    "mean_horizontal": _mean,
    "min_horizontal": lambda _, parts: np.fmin.reduce(parts, axis=0),
    "max_horizontal": lambda _, parts: np.fmax.reduce(parts, axis=0),
}
STACKED = frozenset(k for k in KERNELS if k.endswith("_horizontal"))
"""The kinds whose kernel takes its operands stacked in one array (parts first)."""


def evaluate(stages: Stages, columns: Columns) -> dict[str, np.ndarray]:
    """``columns`` with every stage's expressions added in order (a stage reads the earlier
    ones), as ``frame.with_columns`` stage after stage would.

    The stages run as a :class:`_Program`, built once per ``stages`` object: every node's values
    are a row of one matrix, and the nodes of the same kind whose operands are ready are
    computed together, in one NumPy call per kind and step. A new applicant's expressions
    (about a hundred for the application alone) cost one or more calls each when evaluated one
    by one, where the arithmetic on their few rows costs less than the calls.
    """
    names, values = derive(stages, columns)
    found = dict(columns)
    found.update(zip(names, values, strict=True))
    return found


def derive(stages: Stages, columns: Columns) -> tuple[tuple[str, ...], np.ndarray]:
    """The columns the stages make (a name made twice: the later stage's), and their values:
    one row per name, as :func:`evaluate` computes them."""
    program = _program_of(stages)
    with quietly():
        values = program.run(columns)
    return program.names, values[program.rows]


_programs: ByIdentity[_Program] = ByIdentity(lambda *stages: _Program(stages), MAX_PROGRAMS)


def _program_of(stages: Stages) -> _Program:
    """The program of ``stages``, looked up by the identity of each stage: the groups pass the
    same cached stages on every request (stages built per call are compiled per call)."""
    return _programs(*stages)


@dataclass(frozen=True)
class _Step:
    """Nodes of one kind computed together: their rows, each operand's rows (all operands'
    at once, parts x nodes, for a kind in ``STACKED``) and each constant (a column)."""

    kind: str
    static: tuple[Any, ...]
    rows: np.ndarray
    operands: tuple[np.ndarray, ...]
    constants: tuple[np.ndarray, ...]

    def run(self, values: np.ndarray) -> None:
        operands = [values[rows] for rows in self.operands]
        values[self.rows] = KERNELS[self.kind](self.static, *operands, *self.constants)


class _Program:
    """Stages compiled to steps over a matrix with one row per node: the input columns first,
    then the literals, then the computed nodes. Within a stage a node used twice is computed
    once; a column named by an earlier stage reads that stage's node."""

    def __init__(self, stages: Stages) -> None:
        self.inputs: dict[str, int] = {}
        self.literals: dict[float, int] = {}
        self._computed: list[tuple[int, Node, list[tuple[str, int]]]] = []
        self._seen: dict[tuple[int, int], tuple[tuple[str, int], int]] = {}
        named: dict[str, tuple[tuple[str, int], int]] = {}
        outputs: list[tuple[str, tuple[str, int]]] = []
        for index, stage in enumerate(stages):
            made = {name: self._place(expr.node, index, named) for name, expr in stage.items()}
            named.update(made)
            outputs += [(name, at) for name, (at, _) in made.items()]
        made = dict(outputs)  # a name made twice: the later stage's node
        self.names = tuple(made)
        self.rows = np.array([self._row(at) for at in made.values()], dtype=np.int64)
        self.size = len(self.inputs) + len(self.literals) + len(self._computed)
        self.steps = self._steps()
        self._literal_values = np.array(list(self.literals), dtype=np.float64)[:, None]

    def run(self, columns: Columns) -> np.ndarray:
        """Every node's values on ``columns``: one row per node."""
        values = np.empty((self.size, _length(columns)))
        if self.inputs:
            values[: len(self.inputs)] = [columns[name] for name in self.inputs]
        if self.literals:
            values[len(self.inputs) : len(self.inputs) + len(self.literals)] = self._literal_values
        for step in self.steps:
            step.run(values)
        return values

    def _place(
        self, node: Node, stage: int, named: Mapping[str, tuple[tuple[str, int], int]]
    ) -> tuple[tuple[str, int], int]:
        """Where the node's values will be (input, literal or computed, and which) and its
        depth: 0 for a column or a literal, one more than its deepest operand otherwise."""
        if node.kind == "col":
            name = node.static[0]
            if name in named:
                return named[name]
            return ("input", self.inputs.setdefault(name, len(self.inputs))), 0
        if node.kind == "lit":
            value = node.constants[0]
            return ("literal", self.literals.setdefault(value, len(self.literals))), 0
        key = (stage, id(node))
        if key in self._seen:
            return self._seen[key]
        operands = [self._place(operand.node, stage, named) for operand in node.operands]
        depth = 1 + max(d for _, d in operands)
        self._computed.append((depth, node, [at for at, _ in operands]))
        self._seen[key] = found = ("computed", len(self._computed) - 1), depth
        return found

    def _row(self, at: tuple[str, int]) -> int:
        kind, index = at
        if kind == "input":
            return index
        if kind == "literal":
            return len(self.inputs) + index
        return len(self.inputs) + len(self.literals) + index

    def _steps(self) -> tuple[_Step, ...]:
        """The computed nodes grouped by depth (a node's operands are computed at a smaller
        one), kind, what the kind fixes and the number of operands and constants."""
        groups: dict[tuple[Any, ...], list[int]] = {}
        for index, (depth, node, operands) in enumerate(self._computed):
            shape = (depth, node.kind, node.static, len(operands), len(node.constants))
            groups.setdefault(shape, []).append(index)
        steps = []
        for (_, kind, static, operands, constants), members in sorted(
            groups.items(), key=lambda item: item[0][0]
        ):
            nodes = [self._computed[i] for i in members]
            parts = [np.array([self._row(n[2][j]) for n in nodes]) for j in range(operands)]
            if kind in STACKED:  # the parts gathered at once: parts x nodes x rows
                parts = [np.array(parts)]
            steps.append(
                _Step(
                    kind,
                    static,
                    np.array([self._row(("computed", i)) for i in members]),
                    tuple(parts),
                    tuple(
                        np.array([n[1].constants[j] for n in nodes])[:, None]
                        for j in range(constants)
                    ),
                )
            )
        return tuple(steps)


def quietly() -> np.errstate:
    """NumPy's floating-point warnings off: a division by zero is infinite or NaN, an overflow
    infinite, as Polars computes them without a word. Entered once around a whole evaluation
    (``evaluate``, or a caller of ``Expr.numpy``), not per operation: the context costs a few
    microseconds each time."""
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


def _binary(
    left: Expr,
    right: Expr | float,
    ufunc: np.ufunc,
    build: Callable[[Any, Any], pl.Expr],
    kind: str,
) -> Expr:
    """A comparison (1.0 or 0.0, missing where an operand is) or an arithmetic operation (NaN
    propagates by itself; x / 0, 0 / 0, overflow as in Polars, see ``quietly``)."""
    if isinstance(right, Expr):
        node = Node(kind, (ufunc, True) if kind == "compare" else (ufunc,), (left, right))
        return Expr(build(left.polars, right.polars), node)
    constant = float(right)
    # A constant other than NaN is never missing: only the left operand is checked.
    static = (ufunc, constant != constant) if kind == "compare" else (ufunc,)
    return Expr(build(left.polars, right), Node(kind, static, (left,), (constant,)))
