"""A frame assembled from its two blocks is the frame a join and a reordering give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_assets.frames import assembled


def test_the_blocks_land_in_their_columns_without_copying_the_numbers() -> None:
    columns = pd.Index(["AMT_CREDIT", "NAME_CONTRACT_TYPE", "EXT_SOURCE_3", "CODE_GENDER"])
    numbers = np.array([[1.5, 0.1], [np.nan, 0.7]], dtype=np.float32)
    texts = np.array([["Cash loans", "F"], [None, "M"]], dtype=object)
    frame = assembled(columns, pd.RangeIndex(2), numbers, [0, 2], texts, [1, 3])
    joined = pd.concat(
        [
            pd.DataFrame(numbers, columns=pd.Index(["AMT_CREDIT", "EXT_SOURCE_3"])),
            pd.DataFrame(texts, columns=pd.Index(["NAME_CONTRACT_TYPE", "CODE_GENDER"])),
        ],
        axis=1,
    ).reindex(columns=columns)
    pd.testing.assert_frame_equal(frame, joined)
    assert np.shares_memory(frame["EXT_SOURCE_3"].to_numpy(), numbers)
    assert frame.take([1]).loc[1, "CODE_GENDER"] == "M"


def test_places_that_miss_a_column_or_rows_that_do_not_match_are_refused() -> None:
    columns = pd.Index(["a", "b"])
    with pytest.raises(ValueError, match="do not cover the 2 columns"):
        assembled(columns, pd.RangeIndex(1), np.zeros((1, 1)), [0])
    with pytest.raises(ValueError, match="a block of 1 rows for 3 rows"):
        assembled(columns, pd.RangeIndex(3), np.zeros((1, 2)), [0, 1])
