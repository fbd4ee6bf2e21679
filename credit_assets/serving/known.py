"""Known clients' answers, computed once when a champion is packaged.

A known client's feature row is frozen in the bundle and so is the champion: their probability,
decision and reason codes cannot change while the model is served. They are computed here, in
batches, by the same model and the same reason grouping the service uses for a new applicant,
and the service answers a known id by looking its answer up (tens of microseconds where the
five bagged boosters and, for a refusal, their TreeSHAP contributions took milliseconds).

The answers carry the version of the model that computed them: a scorer whose champion is not
that model (an older bundle, a model swapped in) computes its answers live instead.
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
from credit_assets.serving.refusals import ModelReasons
from credit_assets.serving.store import ClientStore

ANSWERS_FILE = "known_answers.parquet"
CHUNK = 8_192
"""Clients scored per batch: large enough for the boosters' threads, small enough that one
batch's contributions (rows x features) stay a few tens of MB."""
_SEPARATOR = " "


@dataclass(frozen=True)
class KnownAnswers:
    """Every known client's probability and reason codes, in the client store's row order."""

    model_version: str
    probability: NDArray[np.float64]
    codes: NDArray[np.object_]
    """Each client's reason codes joined by a space (empty for an acceptance)."""

    def codes_at(self, position: int) -> list[str]:
        """The reason codes of the client at ``position``, most important first."""
        joined = self.codes[position]
        return joined.split(_SEPARATOR) if joined else []

    def write(self, path: Path, ids: NDArray[np.int64]) -> None:
        table = pa.table(
            {
                KEY: pa.array(ids, pa.int64()),
                "probability": pa.array(self.probability, pa.float64()),
                "reason_codes": pa.array(self.codes.tolist(), pa.string()),
            },
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
        metadata = table.schema.metadata or {}
        return cls(
            model_version=metadata[b"model_version"].decode(),
            probability=table.column("probability").to_numpy(),
            codes=np.asarray(table.column("reason_codes").to_pylist(), dtype=object),
        )


def compute_answers(model: ScoringModel, store: ClientStore, chunk: int = CHUNK) -> KnownAnswers:
    """Every client's answer from ``model``, as the service would compute it live."""
    reasons = ModelReasons(model)
    probability = np.empty(len(store), dtype=np.float64)
    codes = np.empty(len(store), dtype=object)
    for start in range(0, len(store), chunk):
        frame = store.features.iloc[start : start + chunk]
        proba = np.asarray(model.predict_proba(frame), dtype=np.float64)
        decisions = model.decide(proba).tolist()
        found = reasons.codes(frame, decisions)
        probability[start : start + len(frame)] = proba
        codes[start : start + len(frame)] = [
            _SEPARATOR.join(code.code for code in row) for row in found
        ]
    return KnownAnswers(model.version, probability, codes)


def write_answers(folder: Path, model: ScoringModel, clients_file: Path) -> KnownAnswers:
    """Compute the answers of the clients in ``clients_file`` and write them beside it."""
    store = ClientStore.read(clients_file, model.feature_names)
    answers = compute_answers(model, store)
    answers.write(folder / ANSWERS_FILE, store.ids)
    return answers
