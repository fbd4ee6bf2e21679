"""Features written once, computed two ways: Polars for the batch, NumPy for a few applicants.

Every group's row expressions and every aggregation are run by both engines on random rows full
of what breaks arithmetic (missing values, zeros, negatives, the 365243 sentinel, codes outside
the category lists, clients whose values are all missing or who have a single row); the results
must agree value for value, missing where missing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

from credit_assets.features import (
    application,
    bureau,
    credit_card,
    installments,
    online,
    pos_cash,
    previous,
)
from credit_assets.features.common import KEY
from credit_assets.features.expressions import Stages, col, evaluate, quietly, with_stages
from credit_assets.features.summary import HOWS, Agg, summarise
from credit_assets.kaggle import DAYS_SENTINEL

STAGES: dict[str, Callable[[], Stages]] = {
    "application": lambda: (application.cleaning(), application.derived()),
    "bureau months": bureau.month_features,
    "bureau credits": bureau.credit_features,
    "bureau clients": bureau.client_ratios,
    "previous applications": previous.row_features,
    "instalments": installments.row_features,
    "instalment windows": lambda: ({"IN_WINDOW": installments.in_window(365)},),
    "POS months": pos_cash.month_features,
    "POS clients": pos_cash.client_ratios,
    "card months": credit_card.row_features,
    "card clients": credit_card.client_ratios,
}
ROWS = 400


def random_values(rng: np.random.Generator, rows: int) -> np.ndarray:
    """A mix of missing, 0, small integers (category codes, flags, counts), the sentinel and
    amounts of either sign."""
    kind = rng.integers(0, 5, rows)
    values = np.where(kind == 1, rng.integers(-3, 10, rows).astype(float), rng.normal(0, 500, rows))
    values[kind == 0] = np.nan
    values[kind == 2] = 0.0
    values[(kind == 3) & (rng.random(rows) < 0.3)] = DAYS_SENTINEL
    return values


def inputs(stages: Stages) -> list[str]:
    """The columns the stages read that no earlier stage makes."""
    made: set[str] = set()
    read: list[str] = []
    for stage in stages:
        for expr in stage.values():
            read += [c for c in expr.polars.meta.root_names() if c not in made and c not in read]
        made |= set(stage)
    return read


def as_floats(series: pl.Series) -> np.ndarray:
    return series.cast(pl.Float64).fill_null(np.nan).to_numpy()


@pytest.mark.parametrize("name", list(STAGES))
def test_row_expressions_agree_in_polars_and_numpy(name: str) -> None:
    stages = STAGES[name]()
    rng = np.random.default_rng(sum(map(ord, name)))
    columns = {c: random_values(rng, ROWS) for c in inputs(stages)}
    frame = pl.DataFrame({c: pl.Series(c, v, nan_to_null=True) for c, v in columns.items()})

    by_polars = with_stages(frame, stages)
    by_numpy = evaluate(stages, columns)

    made = [c for stage in stages for c in stage]
    assert made, name
    for column in made:
        np.testing.assert_allclose(
            by_numpy[column],
            as_floats(by_polars[column]),
            rtol=1e-12,
            equal_nan=True,
            err_msg=f"{name}: {column}",
        )


@pytest.mark.parametrize("name", list(STAGES))
def test_stages_compiled_together_equal_each_expression_evaluated_alone(name: str) -> None:
    # ``evaluate`` computes many nodes of a kind per NumPy call; each expression's own
    # node-by-node evaluation (``Expr.numpy``, stage after stage) must give the same values.
    stages = STAGES[name]()
    rng = np.random.default_rng(sum(map(ord, name)) + 1)
    columns: dict[str, np.ndarray] = {c: random_values(rng, ROWS) for c in inputs(stages)}

    together = evaluate(stages, columns)

    with quietly():
        for stage in stages:
            columns |= {column: expr.numpy(columns) for column, expr in stage.items()}
    assert set(together) == set(columns)
    for column, values in columns.items():
        np.testing.assert_array_equal(together[column], values, err_msg=f"{name}: {column}")


def test_kleene_and_comparisons_keep_missing_values_missing() -> None:
    a = np.array([1.0, 0.0, np.nan, np.nan, 1.0])
    b = np.array([np.nan, np.nan, 0.0, 1.0, 1.0])
    both = evaluate(({"AND": col("A") & col("B"), "GT": col("A") > 0},), {"A": a, "B": b})
    np.testing.assert_array_equal(both["AND"], [np.nan, 0.0, 0.0, np.nan, 1.0])
    np.testing.assert_array_equal(both["GT"], [1.0, 0.0, np.nan, np.nan, 1.0])


def test_aggregations_agree_with_the_batch_summaries() -> None:
    rng = np.random.default_rng(7)
    sizes = np.array([1, 1, 2, 3, 5, 8, 13, 2, 1, 4])  # single rows: no variance
    owner = np.repeat(np.arange(sizes.size), sizes)
    values = random_values(rng, owner.size)
    values[owner == 3] = np.nan  # a client whose values are all missing
    codes = rng.integers(0, 6, owner.size).astype(float)  # 0-3 listed, 4 another, 5 missing
    codes[codes == 5] = np.nan
    listed = {"KIND": ("a", "b", "c", "d")}
    specs = [Agg(f"V_{how.upper()}", "V" if how != "size" else KEY, how) for how in HOWS]
    hows = ("min", "max", "mean", "sum", "var")
    frame = pl.DataFrame(
        {
            KEY: owner,
            "V": pl.Series(values, nan_to_null=True),
            "KIND": pl.Series(codes, nan_to_null=True).cast(pl.UInt8),
        }
    )

    batch = summarise(frame, specs, listed, "P", hows).collect()
    few = online.summarise(
        online.Rows({"V": values, "KIND": codes}, owner), specs, sizes.size + 2, listed, "P", hows
    )

    assert set(few) == set(batch.columns) - {KEY}
    for column in few:
        np.testing.assert_allclose(
            few[column][: sizes.size], as_floats(batch[column]), rtol=1e-9, equal_nan=True,
            err_msg=column,
        )  # fmt: skip
        assert np.isnan(few[column][sizes.size :]).all(), f"{column}: a client without rows"


def test_subsets_summarised_in_one_pass_equal_each_summary_on_its_own() -> None:
    # A table's summaries of its subsets (active credits, refused applications, ...) are
    # computed together with the overall one: each must equal the same summary computed alone
    # on the rows where its subset holds, including groups with no such rows.
    rng = np.random.default_rng(11)
    sizes = np.array([3, 1, 6, 2, 9, 4])
    owner = np.repeat(np.arange(sizes.size), sizes)
    values = random_values(rng, owner.size)
    codes = rng.integers(0, 4, owner.size).astype(float)
    codes[rng.random(owner.size) < 0.2] = np.nan
    kinds = rng.integers(0, 3, owner.size).astype(float)  # 0, 1 or missing: not kept
    kinds[kinds == 2] = np.nan
    rows = online.Rows({"V": values, "W": values[::-1].copy(), "KIND": codes}, owner)
    listed = {"KIND": ("a", "b")}
    overall = [Agg("V_SUM", "V", "sum"), Agg("N", KEY, "size"), Agg("W_MAX", "W", "max")]
    first = [Agg("A_V_MEAN", "V", "mean"), Agg("A_V_VAR", "V", "var"), Agg("A_N", KEY, "size")]
    second = [Agg("B_W_MIN", "W", "min"), Agg("B_V_MAX", "V", "max"), Agg("B_W_SUM", "W", "sum")]
    groups = sizes.size + 1  # the last group has no rows
    first_rows, second_rows = kinds, 1.0 - kinds

    together = online.summarise(
        rows, overall, groups, listed, "P", subsets=[(first, first_rows), (second, second_rows)]
    )

    def only(keep: np.ndarray) -> online.Rows:
        mask = keep == 1
        return online.Rows({c: v[mask] for c, v in rows.columns.items()}, owner[mask])

    alone = dict(online.summarise(rows, overall, groups, listed, "P"))
    alone |= online.summarise(only(first_rows), first, groups)
    alone |= online.summarise(only(second_rows), second, groups)
    assert list(together) == list(alone)
    for name, expected in alone.items():
        np.testing.assert_allclose(together[name], expected, rtol=1e-12, equal_nan=True)
    assert np.isnan(together["A_V_MEAN"][-1]) and np.isnan(together["N"][-1])
