"""Known clients' probabilities, computed once when a champion is packaged.

A known client's feature row is frozen in the bundle and so is the champion: their probability
cannot change while the model is served. It is computed here, in batches, by the model the
service serves, and the service answers a known id by looking it up (tens of microseconds where
the bagged boosters took a millisecond a client). A refusal's reason codes are still computed
per request, for the refused client only: their contributions cost too much to compute for
every known client at packaging (TreeSHAP over thousands of trees, a third of the clients).

The probabilities carry the version of the model that computed them: a scorer whose champion
is not that model (an older bundle, a model swapped in) computes them live instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from credit_assets.features.common import KEY
from credit_assets.models import ScoringModel
from credit_assets.serving.store import ClientStore

ANSWERS_FILE = "known_answers.parquet"
CHUNK = 16_384
"""Clients scored per batch: a few tens of MB of features at a time."""


@dataclass(frozen=True)
class KnownAnswers:
    """Every known client's probability, in the client store's row order."""

    model_version: str
    probability: NDArray[np.float64]

    def write(self, path: Path, ids: NDArray[np.int64]) -> None:
        table = pa.table(
            {KEY: pa.array(ids, pa.int64()), "probability": pa.array(self.probability)},
            metadata={"model_version": self.model_version},
        )
        pq.write_table(table, path, compression="zstd")

    @classmethod
    def read(cls, path: Path, ids: NDArray[np.int64]) -> KnownAnswers:
        """The answers at ``path``, checked to be in the order of ``ids`` (the store's).

        Raises:
            ValueError: if the file's clients are not the store's, in the store's order.
        """
        table = pq.read_table(path)
        if not np.array_equal(table.column(KEY).to_numpy(), ids):
            raise ValueError(f"{path.name}: its clients are not the client store's, in order")
        version = (table.schema.metadata or {}).get(b"model_version")
        if version is None:
            raise ValueError(f"{path.name}: no model_version: not written by KnownAnswers.write")
        return cls(
            model_version=version.decode(),
            probability=table.column("probability").to_numpy(),
        )


def compute_answers(model: ScoringModel, store: ClientStore, chunk: int = CHUNK) -> KnownAnswers:
    """Every client's probability from ``model``, as the service would compute it live."""
    probability = np.empty(len(store), dtype=np.float64)
    for start in range(0, len(store), chunk):
        frame = store.features.iloc[start : start + chunk]
        probability[start : start + len(frame)] = model.predict_proba(frame)
    return KnownAnswers(model.version, probability)


def write_answers(folder: Path, model: ScoringModel, clients_file: Path) -> KnownAnswers:
    """Compute the answers of the clients in ``clients_file`` and write them beside it."""
    store = ClientStore.read(clients_file, model.feature_names)
    answers = compute_answers(model, store)
    answers.write(folder / ANSWERS_FILE, store.ids)
    return answers
