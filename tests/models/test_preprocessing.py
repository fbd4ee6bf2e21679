"""The models' preprocessing: the tree encoder's codes the same for a few rows and for a whole
column; the linear preprocessor scales in place, never the caller's values."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import MinMaxScaler

from credit_assets.models.preprocessing import SMALL_BATCH, linear_preprocessor, tree_preprocessor


def test_category_codes_are_the_same_row_by_row_and_for_a_whole_column() -> None:
    values = ["Cash loans", "Revolving loans", None, np.nan, pd.NA, "never seen", "nan", ""]
    train = pd.DataFrame({"NAME": pd.Series(["Cash loans", "Revolving loans", "nan", ""] * 3),
                          "AMT": np.arange(12.0)})  # fmt: skip
    encoder = tree_preprocessor().fit(train)
    many = pd.DataFrame({"NAME": pd.Series(values * 50, dtype=object), "AMT": 1.0})
    assert len(many) > SMALL_BATCH
    whole = encoder.transform(many)[:, 0]
    starts = range(0, len(many), SMALL_BATCH)
    few = np.concatenate([encoder.transform(many.iloc[i : i + SMALL_BATCH])[:, 0] for i in starts])
    np.testing.assert_array_equal(whole, few)
    codes = encoder.categories_["NAME"]
    expected = [
        codes["Cash loans"],
        codes["Revolving loans"],
        *[np.nan] * 4,
        codes["nan"],
        codes[""],
    ]
    np.testing.assert_array_equal(whole[: len(values)], expected)


def test_the_linear_preprocessor_scales_its_own_matrix_never_the_callers() -> None:
    rng = np.random.default_rng(0)
    amounts = rng.normal(1e5, 3e4, size=(200, 3))
    amounts[rng.random(amounts.shape) < 0.2] = np.nan
    frame = pd.DataFrame(amounts, columns=pd.Index(["A", "B", "C"])).assign(KIND=["x", "y"] * 100)
    before = frame.copy()
    expected = MinMaxScaler().fit_transform(SimpleImputer(strategy="median").fit_transform(amounts))
    for rows in (frame, frame.iloc[:SMALL_BATCH]):  # a whole column and a few rows at a time
        fitted = linear_preprocessor(frame).fit(frame)
        numbers = fitted.transform(rows)[:, :3]
        np.testing.assert_allclose(numbers, expected[: len(rows)], rtol=1e-12)
        pd.testing.assert_frame_equal(frame, before)
        again = fitted.transform(rows)[:, :3]  # nothing fitted changed either
        np.testing.assert_array_equal(again, numbers)


def test_the_tree_encoder_aligns_each_frame_by_its_own_columns() -> None:
    # The encoder remembers the last columns that came in the fitted order (the service's rows
    # share one Index); a frame whose columns differ, or come in another order, is still
    # aligned by name, and a pickled encoder carries no remembered columns.
    train = pd.DataFrame({"AMT": [1.0, 2.0], "KIND": ["a", "b"], "DAYS": [-5.0, -9.0]})
    encoder = tree_preprocessor().fit(train)
    in_order = train.iloc[[1]].reset_index(drop=True)
    expected = encoder.transform(in_order)

    np.testing.assert_array_equal(encoder.transform(in_order), expected)
    reordered = in_order[["DAYS", "KIND", "AMT"]]
    np.testing.assert_array_equal(encoder.transform(reordered), expected)
    partial = in_order[["KIND", "AMT"]]
    np.testing.assert_array_equal(encoder.transform(partial), [[2.0, 1.0, np.nan]])
    assert "_columns_in_order" not in pickle.loads(pickle.dumps(encoder)).__dict__
