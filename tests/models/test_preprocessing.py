"""The tree models' encoder: the same codes for a few rows and for a whole column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_assets.models.preprocessing import SMALL_BATCH, tree_preprocessor


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
