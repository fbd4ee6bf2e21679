"""The known clients' feature rows, looked up by ``SK_ID_CURR`` in memory.

The rows are the client feature table the champion was trained on, restricted to its feature
columns. On disk (:meth:`ClientStore.write`) the numbers are one row-major float32 matrix
(``clients.npy``) and the text columns with the ids an Arrow file (``clients.arrow``); the
service memory-maps the matrix, so it starts without decoding or copying it, its workers share
one copy of it in the page cache, and a client's row is one contiguous read. Taking a row
costs tens of microseconds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow.feather as feather
import pyarrow.parquet as pq
from numpy.typing import NDArray

from credit_assets.features.common import KEY
from credit_assets.frames import assembled
from credit_assets.serving.errors import UnknownClientError

__all__ = ["ClientStore", "UnknownClientError"]

NUMBERS_SUFFIX = ".npy"
NUMBERS_KEY = b"numbers"
"""The Arrow file's metadata: the names of the matrix's columns, in order (JSON)."""
WRITE_ROWS = 16_384
"""Rows converted to the matrix at a time when writing (a few tens of MB)."""


class ClientStore:
    """Feature rows of the known clients, indexed by ``SK_ID_CURR``."""

    def __init__(self, features: pd.DataFrame, consolidated: bool = False) -> None:
        """``consolidated``: the frame already holds one block per dtype (no copy needed)."""
        # A copy consolidates the columns into one block per dtype: row takes stay cheap.
        self.features = features if consolidated else features.copy()
        self._position = dict(zip(features.index.tolist(), range(len(features)), strict=True))

    @staticmethod
    def write(table: pl.DataFrame, path: Path) -> None:
        """Write ``table`` (``SK_ID_CURR`` and feature columns, numbers as float32) at ``path``
        (the Arrow file) and beside it (the matrix: ``path`` with suffix ``.npy``).

        Raises:
            ValueError: if a column is neither float32 nor text.
        """
        texts = [c for c, t in table.schema.items() if c != KEY and t == pl.String]
        numbers = [c for c, t in table.schema.items() if c != KEY and c not in texts]
        other = [c for c in numbers if table.schema[c] != pl.Float32]
        if other:
            raise ValueError(f"client columns neither float32 nor text: {other[:5]}")
        matrix = np.lib.format.open_memmap(
            path.with_suffix(NUMBERS_SUFFIX), "w+", np.float32, (table.height, len(numbers))
        )
        for start in range(0, table.height, WRITE_ROWS):
            part = table.slice(start, WRITE_ROWS).select(numbers)
            matrix[start : start + part.height] = part.to_numpy(order="c")
        matrix.flush()
        del matrix
        arrow = table.select(KEY, *texts).to_arrow()
        arrow = arrow.replace_schema_metadata({NUMBERS_KEY: json.dumps(numbers)})
        feather.write_feather(arrow, path, compression="uncompressed")

    @classmethod
    def read(cls, path: Path, columns: Sequence[str]) -> ClientStore:
        """Rows of ``columns`` (in that order) from a client file keyed by ``SK_ID_CURR``:
        written by :meth:`write`, or an Arrow or Parquet file of every column (older bundles).

        Raises:
            ValueError: if the file lacks one of ``columns``.
        """
        if path.with_suffix(NUMBERS_SUFFIX).exists():
            return cls(_mapped_frame(path, list(columns)), consolidated=True)
        wanted = [KEY, *columns]
        if path.suffix == ".parquet":  # bundles packaged before the Arrow file
            table = pq.read_table(path, columns=wanted)
        else:  # the whole file mapped, then the columns taken (asking read_table for 740
            # columns by name took 1.1 s at full scale, selecting them 1 ms)
            table = feather.read_table(path, memory_map=True).select(wanted)
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


def _mapped_frame(path: Path, columns: list[str]) -> pd.DataFrame:
    """The frame of ``columns`` over the memory-mapped matrix (not copied) and the text columns
    (:func:`credit_assets.frames.assembled`: a join would copy the matrix to order the columns)."""
    table = feather.read_table(path, memory_map=True)
    numbers: list[str] = json.loads((table.schema.metadata or {})[NUMBERS_KEY])
    texts = [c for c in table.column_names if c != KEY]
    missing = sorted(set(columns) - set(numbers) - set(texts))
    if missing:
        raise ValueError(f"{path.name} lacks {len(missing)} column(s), e.g. {missing[:5]}")
    matrix = np.load(path.with_suffix(NUMBERS_SUFFIX), mmap_mode="r")
    with open(path.with_suffix(NUMBERS_SUFFIX), "rb") as file:  # read ahead into the cache
        os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_WILLNEED)
    where = {name: i for i, name in enumerate(columns)}
    kept = [j for j, name in enumerate(numbers) if name in where]
    values = matrix if len(kept) == len(numbers) else matrix[:, kept]
    text_columns = [c for c in texts if c in where]
    strings = table.select(text_columns).to_pandas().to_numpy(dtype=object)
    return assembled(
        pd.Index(columns),
        pd.Index(table.column(KEY).to_numpy(), name=KEY),
        values,
        [where[numbers[j]] for j in kept],
        strings,
        [where[c] for c in text_columns],
    )
