"""The known clients' feature rows, looked up by ``SK_ID_CURR`` in memory.

The rows are the client feature table the champion was trained on, restricted to its feature
columns and held as one float block and one text block, so taking a client's row costs tens of
microseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.feather as feather
import pyarrow.parquet as pq
from numpy.typing import NDArray

from credit_assets.features.common import KEY
from credit_assets.serving.errors import UnknownClientError

__all__ = ["ClientStore", "UnknownClientError"]


class ClientStore:
    """Feature rows of the known clients, indexed by ``SK_ID_CURR``."""

    def __init__(self, features: pd.DataFrame, consolidated: bool = False) -> None:
        """``consolidated``: the frame already holds one block per dtype (no copy needed)."""
        # A copy consolidates the columns into one block per dtype: row takes stay cheap.
        self.features = features if consolidated else features.copy()
        self._position = dict(zip(features.index.tolist(), range(len(features)), strict=True))

    @classmethod
    def read(cls, path: Path, columns: Sequence[str]) -> ClientStore:
        """Rows of ``columns`` from a client-table file (Arrow, or Parquet for older bundles)
        keyed by ``SK_ID_CURR``."""
        wanted = [KEY, *columns]
        if path.suffix == ".parquet":  # bundles packaged before the Arrow file
            table = pq.read_table(path, columns=wanted)
        else:  # mapped, not decoded: see bundle.CLIENTS_FILE
            table = feather.read_table(path, columns=wanted, memory_map=True)
        # pyarrow builds one block per dtype directly: at full scale (356,255 clients x 739
        # features) 2.5 s from file to store, where pd.read_parquet, set_index and the
        # consolidating copy took 17 s of the service's start.
        frame = table.drop_columns([KEY]).to_pandas()
        frame.index = pd.Index(table.column(KEY).to_numpy(), name=KEY)
        return cls(frame, consolidated=True)

    def __len__(self) -> int:
        return len(self.features)

    def __contains__(self, sk_id_curr: object) -> bool:
        return sk_id_curr in self._position

    @property
    def ids(self) -> NDArray[np.int64]:
        return self.features.index.to_numpy()

    def positions(self, ids: Sequence[int]) -> list[int]:
        """The row positions of ``ids``, in order (repeats allowed).

        Raises:
            UnknownClientError: naming every id that is not a known client.
        """
        positions = [self._position.get(i, -1) for i in ids]
        if min(positions, default=0) < 0:
            raise UnknownClientError([i for i, p in zip(ids, positions, strict=True) if p < 0])
        return positions

    def rows(self, ids: Sequence[int]) -> pd.DataFrame:
        """The feature rows of ``ids``, in order (raises as :meth:`positions`)."""
        return self.features.take(self.positions(ids))
