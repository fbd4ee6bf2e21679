"""Names, ratios, sentinels, category codes and per-client summaries on hand-made frames."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from credit_assets.features import summary
from credit_assets.features.common import ByIdentity, encode_categories, safe_name
from credit_assets.features.expressions import (
    col,
    div,
    evaluate,
    is_value,
    ratio,
    sentinel_to_null,
)
from credit_assets.features.summary import Agg, aggs, summarise


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("PREV_CHANNEL_TYPE_AP+ (Cash loan)_MEAN", "PREV_CHANNEL_TYPE_AP_Cash_loan_MEAN"),
        ("PREV_NAME_TYPE_SUITE_Spouse, partner_MEAN", "PREV_NAME_TYPE_SUITE_Spouse_partner_MEAN"),
        ('A"B:C[D]{E}', "A_B_C_D_E"),
        ("_STATUS_0_MEAN", "STATUS_0_MEAN"),
    ],
)
def test_safe_name_keeps_letters_digits_and_single_underscores(raw: str, safe: str) -> None:
    assert safe_name(raw) == safe


def test_div_follows_pandas_and_ratio_is_missing_on_zero() -> None:
    frame = pl.DataFrame({"a": [1.0, 0.0, 3.0, None], "b": [0.0, 0.0, 2.0, 1.0]})
    d, r = div(col("a"), col("b")), ratio(col("a"), col("b"))
    out = frame.select(d.polars.alias("d"), r.polars.alias("r"))
    assert out["d"].to_list() == [math.inf, None, 1.5, None]
    assert out["r"].to_list() == [None, None, 1.5, None]
    few = evaluate(({"d": d, "r": r},), {c: frame[c].to_numpy() for c in ("a", "b")})
    np.testing.assert_array_equal(few["d"], [math.inf, np.nan, 1.5, np.nan])
    np.testing.assert_array_equal(few["r"], [np.nan, np.nan, 1.5, np.nan])


def test_sentinel_becomes_missing() -> None:
    frame = pl.DataFrame({"DAYS_X": [365243, -10, None]})
    cleaned = sentinel_to_null(["DAYS_X"], 365243)
    assert frame.select(cleaned["DAYS_X"].polars.alias("DAYS_X"))["DAYS_X"].to_list() == [
        None,
        -10,
        None,
    ]
    few = evaluate((cleaned,), {"DAYS_X": np.array([365243, -10, np.nan])})
    np.testing.assert_array_equal(few["DAYS_X"], [np.nan, -10, np.nan])


def test_categories_become_fixed_codes() -> None:
    categories = {"C": ("a", "b")}
    frame = pl.DataFrame({"C": ["b", "a", None, "zz"]}).with_columns(encode_categories(categories))
    assert frame["C"].to_list() == [1, 0, None, 2]
    assert frame.select(is_value(categories, "C", "a").polars)["C"].to_list() == [
        False,
        True,
        False,
        False,
    ]


def test_summarise_matches_hand_computed_values() -> None:
    # Client 1: x = 1, 3, missing; client 2: x = 5.  Sorted by client.
    frame = pl.DataFrame(
        {
            "SK_ID_CURR": [1, 1, 1, 2],
            "x": [1.0, 3.0, None, 5.0],
            "loan": [10, 10, 11, 12],
            "C": [0, None, 1, 0],
        }
    ).with_columns(pl.col("C").cast(pl.UInt8))
    specs = [
        *aggs({"x": ["min", "max", "mean", "sum", "var", "count"]}, "P"),
        Agg("P_ROWS", "x", "size"),
        Agg("P_LOANS", "loan", "nunique"),
        Agg("P_LAST_X", "x", "last"),
    ]
    out = summarise(frame, specs, {"C": ("a", "b")}, "P", ("mean", "sum", "min", "max", "var"))
    one, two = out.collect().sort("SK_ID_CURR").rows(named=True)
    assert (one["P_x_MIN"], one["P_x_MAX"], one["P_x_MEAN"], one["P_x_SUM"]) == (1, 3, 2, 4)
    assert one["P_x_VAR"] == pytest.approx(2.0)  # ((1-2)^2 + (3-2)^2) / (2-1)
    assert (one["P_x_COUNT"], one["P_ROWS"], one["P_LOANS"], one["P_LAST_X"]) == (2, 3, 2, None)
    assert one["P_C_a_MEAN"] == pytest.approx(1 / 3)
    assert one["P_C_nan_SUM"] == 1
    assert (one["P_C_b_MIN"], one["P_C_b_MAX"]) == (0, 1)
    assert one["P_C_a_VAR"] == pytest.approx(1 / 3)  # 0/1 values 1,0,0: mean 1/3, var 1/3
    assert two["P_x_VAR"] is None  # one value: no sample variance
    assert (two["P_C_a_MEAN"], two["P_C_a_MIN"], two["P_C_a_VAR"]) == (1.0, 1.0, None)


def test_summarise_sums_nothing_to_zero_and_averages_nothing_to_missing() -> None:
    frame = pl.DataFrame(
        {"SK_ID_CURR": [7, 7], "x": [None, None]}, schema_overrides={"x": pl.Float64}
    )
    row = summarise(frame, aggs({"x": ["sum", "mean", "max"]}, "P")).collect().row(0, named=True)
    assert (row["P_x_SUM"], row["P_x_MEAN"], row["P_x_MAX"]) == (0, None, None)


def test_summarise_names_an_indicator_summary_it_does_not_know() -> None:
    frame = pl.DataFrame({"SK_ID_CURR": [1, 1], "C": [0, 1]}).with_columns(
        pl.col("C").cast(pl.UInt8)
    )
    with pytest.raises(ValueError, match="'median'"):
        summarise(frame, [Agg("P_ROWS", "C", "size")], {"C": ("a", "b")}, "P", ("median",))


def test_summarise_gives_a_few_clients_what_it_gives_many(monkeypatch: pytest.MonkeyPatch) -> None:
    # A service's few applicants take other code paths (every indicator value at once, one array
    # for the columns) than the batch's clients: the values must not depend on it.
    rng = np.random.default_rng(5)
    keys = np.sort(rng.integers(0, 40, 300))
    codes = pl.Series("C", rng.integers(0, 4, 300), dtype=pl.UInt8)
    frame = pl.DataFrame(
        {"SK_ID_CURR": keys, "x": rng.normal(size=300), "C": codes.scatter([3, 50, 51], None)}
    )
    specs = aggs({"x": ["min", "mean", "var", "last"]}, "P")
    hows = ("mean", "sum", "min", "max", "var")
    few = summarise(frame, specs, {"C": ("a", "b")}, "P", hows).collect()
    monkeypatch.setattr(summary, "FEW_ROWS", 0)
    many = summarise(frame, specs, {"C": ("a", "b")}, "P", hows).collect()
    assert few.height == 40 and few.width == 1 + len(specs) + 3 * len(hows)
    assert_frame_equal(few, many)


def test_by_identity_computes_once_per_objects_and_never_mistakes_equal_ones() -> None:
    # Looked up by identity: the same objects reuse their result, equal but distinct ones get
    # their own; once full, new objects are computed each time and the kept entries stay.
    made: list[tuple[object, ...]] = []

    def make(*objects: object) -> int:
        made.append(objects)
        return len(made)

    cached = ByIdentity(make, size=2)
    first, second = ["a"], ["a"]

    assert cached(first) == cached(first) == 1
    assert cached(second) == 2  # equal to ``first``, not the same list
    assert cached(["b"]) == 3 and cached(["b"]) == 4  # full: computed per call
    assert cached(first) == 1 and cached(second) == 2
